import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EstateSchema } from '../../functions/estate.js';
import { loadConfig } from '../../shared/host/runtime/load-config.js';
import { composeCli } from '../support/docker.js';

const run = promisify(execFile);
const DIR = join(import.meta.dirname, '../../deploy/compose');
const FILE = join(DIR, 'docker-compose.yml');

describe('deploy/compose', () => {
  it('is a project compose accepts: opsfn with Redis state, the Docker socket and its config mounted', async () => {
    const [program, ...args] = await composeCli();
    const { stdout } = await run(program as string, [...args, '-p', 'opsfn-config-check', '-f', FILE, 'config'], {
      env: { ...process.env, OPSFN_TOKEN: 'x', DOCKER_GID: '998' },
    });
    // biome-ignore lint/suspicious/noExplicitAny: compose output is free-form YAML
    const opsfn = (parse(stdout) as any).services.opsfn;
    expect(opsfn.environment.REDIS_URL).toBe('redis://redis:6379');
    // Restarted when it outgrows its memory, as the Kubernetes Deployment is (compose v1 prints 512m, v2 bytes).
    expect(opsfn.restart).toBe('unless-stopped');
    expect(String(opsfn.mem_limit)).toMatch(/^(512m|536870912)$/);
    // compose v1 prints volumes as `source:target:mode`, v2 as objects.
    const mounts = (opsfn.volumes as (string | { source: string; target: string })[]).map((v) =>
      typeof v === 'string' ? v.split(':').slice(0, 2).join(':') : `${v.source}:${v.target}`,
    );
    expect(mounts).toContain('/var/run/docker.sock:/var/run/docker.sock');
    const config = mounts.find((m) => m.endsWith(':/etc/opsfn/opsfn.yaml'))?.split(':')[0] as string;
    const estate = await loadConfig(EstateSchema, config, { env: {} });
    expect(estate.services.api).toMatchObject({
      platform: 'compose',
      files: ['/srv/mba-job-hunter/docker-compose.yml'],
    });
    expect(mounts).toContain('/srv/mba-job-hunter:/srv/mba-job-hunter');
    // The estate checks its config archives where the runbook keeps them, on the host.
    const local = Object.values(estate.backups).filter((b) => b.kind === 'object-store' && b.url.startsWith('file://'));
    expect(local.length).toBeGreaterThan(0);
    for (const backup of local) {
      const dir = new URL((backup as { url: string }).url).pathname.replace(/\/$/, '');
      expect(mounts.some((m) => dir.startsWith(m.split(':')[1] ?? '?'))).toBe(true);
    }
    expect(opsfn.command).toEqual(['serve', '--config', '/etc/opsfn/opsfn.yaml', '--port', '8080']);
  });

  it('sends every alert, resolved ones too, to rollback and autoscale with the bearer token', () => {
    // biome-ignore lint/suspicious/noExplicitAny: Alertmanager config is free-form YAML
    const am = parse(readFileSync(join(DIR, 'alertmanager-receiver.yml'), 'utf8')) as any;
    const hooks = am.receivers[0].webhook_configs as { url: string; send_resolved: boolean; http_config: unknown }[];
    expect(hooks.map((h) => new URL(h.url).pathname)).toEqual(['/rollback', '/autoscale']);
    expect(hooks.every((h) => h.send_resolved && JSON.stringify(h.http_config).includes('credentials_file'))).toBe(
      true,
    );
    expect(am.route.receiver).toBe(am.receivers[0].name);
  });
});
