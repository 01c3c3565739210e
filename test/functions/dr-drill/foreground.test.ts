import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { drDrill } from '../../../functions/dr-drill/handler.js';
import { type DrillRecord, drillKey } from '../../../functions/dr-drill/model.js';
import { EstateSchema } from '../../../functions/estate.js';
import type { ManualTrigger } from '../../../shared/core/events/trigger.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { main } from '../../../shared/host/cli/main.js';
import { runForTest } from '../../../shared/testing/index.js';
import { captureIo } from '../../support/cli-io.js';
import { testEstate } from '../../support/estate.js';
import { recordingNotifier } from '../../support/recording-notifier.js';
import { serveRuntime } from '../../support/serve.js';
import { PG_SERVER, readyService, workDir } from './fixtures.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const cliTrigger = (payload: Record<string, unknown>): ManualTrigger => ({
  kind: 'manual',
  id: `cli:${Math.random()}`,
  payload,
  caller: 'cli:tester',
});

async function fixtures() {
  const work = await workDir();
  cleanups.push(() => work.remove());
  const svc = await readyService();
  cleanups.push(() => svc.stop());
  return { work, svc };
}

describe('drDrill in the foreground and cancelled', () => {
  it('runs every step in one `opsfn invoke drDrill --plan` with progress on stderr, and dry-runs it', async () => {
    const { work, svc } = await fixtures();
    const file = join(work.dir, 'opsfn.yaml');
    await writeFile(
      file,
      stringify({
        estate: 'cli',
        reports: { url: work.reportsUrl },
        drills: {
          'app-only': {
            targets: { rto: '5m', rpo: '0s' },
            steps: [
              { step: 'http.check', name: 'health', url: `${svc.url}/health` },
              { step: 'wait', name: 'settle', duration: '50ms' },
              { step: 'http.check', name: 'ready', url: `${svc.url}/ready`, expect: { body: '"redis":"ok"' } },
            ],
          },
        },
      }),
    );
    const io = captureIo();
    const code = await main(['invoke', 'drDrill', '--plan', 'app-only', '--config', file, '--json'], {
      functions: [drDrill],
      estate: EstateSchema,
      io,
    });
    const envelope = JSON.parse(io.stdout()) as Record<string, unknown>;
    expect(envelope).toMatchObject({ outcome: 'ok', status: 'passed', targets: { rto: 300, rpo: 0 } });
    expect(code).toBe(0);
    expect((envelope.items as { name: string; status: string }[]).map((i) => `${i.name}:${i.status}`)).toEqual([
      'health:ok',
      'settle:ok',
      'ready:ok',
      'cleanup:ok',
    ]);
    expect(envelope.rto as number).toBeLessThan(5);
    expect(io.stderr()).toContain('drill ');
    expect(svc.hits).toEqual(['/health', '/ready']);

    const dry = captureIo();
    await main(['invoke', 'drDrill', '--plan', 'app-only', '--config', file, '--dry-run'], {
      functions: [drDrill],
      estate: EstateSchema,
      io: dry,
    });
    expect(dry.stdout()).toContain('dry-run: drill plan app-only has 4 steps');
    expect(svc.hits).toEqual(['/health', '/ready']);
  });

  it('cancels a drill waiting for approval: nothing is created, cleanup runs, the drill is cancelled', async () => {
    const { work, svc } = await fixtures();
    const config = testEstate({
      backups: { dumps: { kind: 'object-store', url: work.backupsUrl } },
      drills: {
        gated: {
          targets: { rto: '30m', rpo: '1h' },
          approval: 'required',
          steps: [
            { step: 'http.check', url: `${svc.url}/health` },
            { step: 'db.restoreDump', backup: 'dumps', scratch: { postgres: PG_SERVER } },
          ],
        },
      } as never,
    });
    const state = new MemoryStateStore();
    const notifier = recordingNotifier();
    const served = await serveRuntime({ config, functions: [drDrill], state, notifier, logSink: () => undefined });
    cleanups.push(() => served.stop());
    const res = await fetch(`${served.url}/drDrill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"plan":"gated"}',
    });
    const { drill: id } = (await res.json()) as { drill: string };
    const read = async () => (await state.get<DrillRecord>(drillKey(id))) as DrillRecord;
    for (let i = 0; i < 100 && (await read()).status !== 'awaiting-approval'; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect((await read()).steps.map((s) => s.status)).toEqual(['ok', 'pending', 'pending']);
    expect(notifier.sent.at(-1)?.title).toContain('waits for approval');
    const anonymous = await fetch(`${served.url}/drDrill/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id }),
    });
    expect(anonymous.status).toBe(403);

    const cancel = await fetch(`${served.url}/drDrill/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id }),
    });
    expect(cancel.status).toBe(202);
    for (let i = 0; i < 100 && !['passed', 'failed', 'cancelled'].includes((await read()).status); i++)
      await new Promise((r) => setTimeout(r, 20));
    const done = await read();
    expect(done.status).toBe('cancelled');
    expect(done.steps.map((s) => s.status)).toEqual(['ok', 'cancelled', 'ok']);
    expect(done.resources).toEqual([]);
    expect(notifier.sent.at(-1)?.title).toContain('cancelled');
  });
});

describe('drDrill http.check', () => {
  it('retries a check until it passes within its window, and fails one over its latency bound', async () => {
    const { svc } = await fixtures();
    svc.fail = true;
    setTimeout(() => {
      svc.fail = false;
    }, 150);
    const config = testEstate({
      drills: {
        checks: {
          targets: { rto: '5m', rpo: '0s' },
          steps: [
            { step: 'http.check', name: 'ready', url: `${svc.url}/ready`, within: '5s', interval: '50ms' },
            {
              step: 'http.check',
              name: 'fast',
              url: `${svc.url}/slow`,
              expect: { maxLatency: '10ms', status: [200, 204] },
            },
          ],
        },
      } as never,
    });
    const { envelope } = await runForTest(drDrill, cliTrigger({ plan: 'checks' }), {
      estate: config,
    });
    const items = envelope.items as { name: string; status: string; detail: string }[];
    expect(items[0]).toMatchObject({ name: 'ready', status: 'ok' });
    expect(items[0]?.detail).toMatch(/→ 200 in \d+ ms after [2-9]\d* tries/);
    expect(svc.hits.filter((h) => h === '/ready').length).toBeGreaterThan(1);
    expect(items[1]?.status).toBe('fail');
    expect(items[1]?.detail).toMatch(/latency \d+ ms > 10 ms/);
    expect(envelope.outcome).toBe('fail');
  });

  it('names the dependencies a /ready answer reports, so a failing check says which one is down', async () => {
    const { svc } = await fixtures();
    svc.fail = true;
    const config = testEstate({
      drills: {
        ready: {
          targets: { rto: '5m', rpo: '0s' },
          steps: [{ step: 'http.check', url: `${svc.url}/ready` }],
        },
      } as never,
    });
    const { envelope } = await runForTest(drDrill, cliTrigger({ plan: 'ready' }), {
      estate: config,
    });
    const [check] = envelope.items as { status: string; detail: string }[];
    expect(check?.status).toBe('fail');
    expect(check?.detail).toContain('→ 503');
    expect(check?.detail).toContain('(dependencies: database ok, redis down)');
  });

  it('reports a heartbeat that cannot be written, naming the database without its credentials', async () => {
    const config = testEstate({
      databases: { prod: { kind: 'postgres', url: 'postgres://app:s3cret@127.0.0.1:1/app' } },
      drills: {
        beat: {
          targets: { rto: '5m', rpo: '1h' },
          heartbeat: { database: 'prod' },
          steps: [{ step: 'wait', duration: '1ms' }],
        },
      } as never,
    });
    const { envelope } = await runForTest(drDrill, cliTrigger({ task: 'heartbeat' }), {
      estate: config,
    });
    expect(envelope.outcome).toBe('fail');
    const [item] = envelope.items as { target: string; detail: string }[];
    expect(item?.target).toBe('prod/opsfn_heartbeat');
    expect(item?.detail).toContain('heartbeat write to postgres://127.0.0.1:1/app failed');
    expect(item?.detail).not.toContain('s3cret');
  });
});
