import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { databasesLike, dropDatabase, productionDb, workDir } from '../../../functions/dr-drill/fixtures.js';
import { useCleanups } from '../../../functions/dr-drill/harness.js';
import { freePort, spawnTracked, waitReady } from '../../../support/local-process.js';
import { REDIS_URL, redisPrefix } from '../../../support/redis-prefix.js';

const cleanups = useCleanups();
const redis = redisPrefix('serve-sigterm');
afterAll(() => redis.drop());

// The real binary, run from source: `opsfn serve` as an operator starts it.
const CLI = "const { run } = await import('./functions/cli.ts'); process.exitCode = await run(process.argv.slice(1));";

/** A readiness endpoint that, while `hang` is set, takes requests and never answers. */
async function hangingReady() {
  const state = { hang: true, hits: 0, held: [] as ServerResponse[] };
  const server = createServer((_req, res) => {
    state.hits++;
    if (state.hang) {
      state.held.push(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function startServe(config: string, dir: string) {
  const port = await freePort();
  const proc = spawnTracked(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      CLI,
      '--',
      'serve',
      '--config',
      config,
      '--port',
      String(port),
    ].concat(['--no-scheduler', '--grace', '2s']),
    dir,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/healthz`, 20_000, proc.output);
  return { url, ...proc };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const postJson = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('opsfn serve on SIGTERM', () => {
  it('stops taking work, records the running drill step as interrupted, frees its lock, and the next start resumes it', async () => {
    const prod = await productionDb('postgres', 20);
    cleanups.push(() => prod.drop());
    const work = await workDir();
    cleanups.push(() => work.remove());
    await work.putDump('db_prod.sql.gz', await prod.dump());
    const ready = await hangingReady();
    cleanups.push(() => ready.stop());
    const dir = await mkdtemp(join(tmpdir(), 'opsfn-sigterm-'));
    const config = join(dir, 'opsfn.yaml');
    await writeFile(
      config,
      JSON.stringify({
        estate: 'sigterm',
        state: { redis: REDIS_URL, prefix: redis.prefix },
        backups: { dumps: { kind: 'object-store', url: work.backupsUrl, pattern: 'db_*.sql.gz' } },
        reports: { url: work.reportsUrl },
        drills: {
          'quarterly-db': {
            targets: { rto: '30m', rpo: '26h' },
            steps: [
              // Not "restore": other test files look for new databases ending in _restore meanwhile.
              {
                step: 'db.restoreDump',
                name: 'copy',
                backup: 'dumps',
                scratch: { postgres: 'postgres://postgres@127.0.0.1:5432/postgres' },
              },
              { step: 'http.check', name: 'ready', url: `${ready.url}/ready`, timeout: '10m' },
            ],
          },
        },
      }),
    );

    const first = await startServe(config, dir);
    cleanups.push(() => first.stop());
    const res = await postJson(`${first.url}/drDrill`, { plan: 'quarterly-db' });
    expect(res.status).toBe(202);
    const { drill: id } = (await res.json()) as { drill: string };
    await until('the ready step to block', async () => (ready.state.hits > 0 ? true : undefined));
    const scratch = `opsfn_drill_${id}_copy`;
    cleanups.push(() => dropDatabase('postgres', scratch));
    expect(await databasesLike('postgres', scratch)).toEqual([scratch]);

    first.child.kill('SIGTERM');
    const refused = await until('a 503 while draining', async () => {
      const r = await postJson(`${first.url}/drDrill`, { plan: 'quarterly-db', dryRun: true }).catch(() => undefined);
      return r?.status === 503 ? r : undefined;
    });
    expect(((await refused.json()) as { message: string }).message).toContain('shutting down');
    expect(await until('the first serve to exit', () => exited(first.child))).toBe(0);

    const stored = await redis.values();
    const record = JSON.parse(stored[`${redis.prefix}drill:${id}`] ?? '{}') as {
      status: string;
      steps: { name: string; status: string; detail?: string }[];
    };
    expect(record.status).toBe('running');
    expect(record.steps.find((s) => s.name === 'ready')).toMatchObject({
      status: 'running',
      detail: expect.stringContaining('interrupted'),
    });
    const keys = Object.keys(stored).map((k) => k.slice(redis.prefix.length));
    expect(keys).not.toContain(`drDrill:advance:${id}`);
    expect(keys.filter((k) => k.startsWith('lock:'))).toEqual([]);
    expect(keys.filter((k) => k.startsWith('serve:redeliver:drDrill:'))).toHaveLength(1);
    const audits = first
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audits).toContainEqual(
      expect.objectContaining({ action: 'drill.step', target: `${id}/ready`, outcome: 'interrupted' }),
    );
    expect(audits).toContainEqual(
      expect.objectContaining({ decision: 'rejected', reason: 'refused: opsfn is shutting down' }),
    );

    ready.state.hang = false;
    for (const res of ready.state.held.splice(0)) res.destroy();
    const second = await startServe(config, dir);
    cleanups.push(() => second.stop());
    const done = await until('the resumed drill to finish', async () => {
      const body = (await (await fetch(`${second.url}/drDrill?id=${id}`)).json()) as { status: string };
      return ['passed', 'failed', 'cancelled'].includes(body.status) ? body : undefined;
    });
    expect(done.status).toBe('passed');
    expect(await databasesLike('postgres', scratch)).toEqual([]);
    const after = Object.keys(await redis.values()).map((k) => k.slice(redis.prefix.length));
    expect(after).not.toContain(`drDrill:advance:${id}`);
    expect(after.filter((k) => k.startsWith('serve:redeliver:'))).toEqual([]);
    expect(second.output()).toContain('"action":"redeliver"');
    second.child.kill('SIGTERM');
    expect(await until('the second serve to exit', () => exited(second.child))).toBe(0);
  });
});
