import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type LocalProcess, startReadyServer } from './local-process.js';

/** What the test Prometheus scrapes and evaluates. */
export interface PrometheusSetup {
  /** `host:port` of the endpoint serving `/metrics`. */
  scrapeTarget: string;
  /** Rules file content (YAML). */
  rules: string;
  /** `host:port` of an Alertmanager to send alerts to. */
  alertmanager?: string;
  /** Port to listen on (from {@link freePort}) when the URL must be known before the start. */
  port?: number;
  /** A bearer token the scrape sends. */
  bearer?: string;
}

/** Starts the Debian `prometheus` binary on a free loopback port with 1 s scrape and evaluation intervals. */
export async function startPrometheus(setup: PrometheusSetup): Promise<LocalProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'opsfn-prom-'));
  const port = setup.port ?? (await freePort());
  await writeFile(join(dir, 'rules.yml'), setup.rules);
  const alerting = setup.alertmanager
    ? `alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['${setup.alertmanager}']\n`
    : '';
  await writeFile(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: ['${join(dir, 'rules.yml')}']\n${alerting}` +
      `scrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['${setup.scrapeTarget}']\n` +
      (setup.bearer ? `    authorization:\n      credentials: '${setup.bearer}'\n` : ''),
  );
  return startReadyServer(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    dir,
    port,
  );
}
