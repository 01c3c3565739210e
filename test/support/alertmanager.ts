import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type LocalProcess, startReadyServer } from './local-process.js';

/** Where the test Alertmanager delivers, and with which bearer token. */
export interface AlertmanagerSetup {
  webhookUrl: string;
  bearer: string;
}

/**
 * Starts the Debian `prometheus-alertmanager` binary on a free loopback port, clustering off, one route
 * with 1 s group wait to a webhook receiver that sends `Authorization: Bearer <token>`.
 */
export async function startAlertmanager(setup: AlertmanagerSetup): Promise<LocalProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'opsfn-am-'));
  const port = await freePort();
  await writeFile(
    join(dir, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: opsfn',
      "  group_by: ['alertname', 'deployment']",
      '  group_wait: 1s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: opsfn',
      '    webhook_configs:',
      `      - url: '${setup.webhookUrl}'`,
      '        send_resolved: true',
      '        http_config:',
      '          authorization:',
      '            type: Bearer',
      `            credentials: '${setup.bearer}'`,
      '',
    ].join('\n'),
  );
  return startReadyServer(
    'prometheus-alertmanager',
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    dir,
    port,
  );
}
