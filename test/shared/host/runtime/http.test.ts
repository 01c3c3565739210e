import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { EstateInput } from '../../../../functions/estate.js';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import type { RuntimeOptions } from '../../../../shared/host/runtime/runtime.js';
import { captureLogs, testEstate } from '../../../support/estate.js';
import { unsignedIdToken } from '../../../support/id-tokens.js';
import { type CallLog, makeMutateFunction } from '../../../support/mutate-function.js';
import { recordingNotifier } from '../../../support/recording-notifier.js';
import { serveRuntime } from '../../../support/serve.js';

const TOKEN = 'tok-4f9a1c2e7b3d';
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function start(estate: Partial<EstateInput> = {}, extra: Partial<RuntimeOptions> = {}) {
  const calls: CallLog = new Map();
  const logs = captureLogs();
  const served = await serveRuntime({
    config: testEstate({ auth: { tokens: [{ env: 'OPSFN_TEST_TOKEN' }] }, ...estate }),
    functions: [makeMutateFunction(calls, { delayMs: 100 }), ...(extra.functions ?? [])],
    state: new MemoryStateStore(),
    notifier: recordingNotifier(),
    env: { OPSFN_TEST_TOKEN: TOKEN },
    logSink: logs.sink,
    ...(extra.verifyOidc ? { verifyOidc: extra.verifyOidc } : {}),
  });
  stops.push(served.stop);
  const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
    fetch(`${served.url}${path}`, {
      method: 'POST',
      body: typeof body === 'string' ? body : new Uint8Array(body),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    });
  return { ...served, calls, logs, post };
}

const alertmanager = JSON.parse(
  readFileSync(new URL('../../../fixtures/alertmanager/firing-batch.json', import.meta.url), 'utf8'),
) as {
  alerts: { labels: Record<string, string> }[];
};

describe('HTTP intake', () => {
  it('answers /healthz for liveness and /readyz for readiness', async () => {
    const { url } = await start();
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', functions: ['mutate'] });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { state: 'ok', auth: 'ok' } });
  });

  it('runs a manual request with a valid token and returns the envelope', async () => {
    const { post, calls } = await start();
    const res = await post('/mutate', JSON.stringify({ target: 'web' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      function: 'mutate',
      outcome: 'ok',
      trigger: { kind: 'manual', format: 'manual' },
    });
    expect(calls.get('web')).toBe(1);
  });

  it('refuses a wrong token with 401, echoes nothing and audits the rejection', async () => {
    const { post, calls, logs } = await start();
    const res = await post('/mutate', JSON.stringify({ target: 'web' }), { authorization: 'Bearer guess-123' });
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).not.toContain('guess-123');
    expect(text).not.toContain('web');
    expect(calls.size).toBe(0);
    expect(logs.audits()).toEqual([expect.objectContaining({ decision: 'rejected', function: 'mutate' })]);
  });

  it.each([
    ['malformed JSON', '{"target": ', /JSON/i],
    ['an unknown format', '[1,2,3]', /.+/],
    [
      'an Alertmanager body with a bad field',
      JSON.stringify({ version: '4', status: 'firing', alerts: [{ status: 'firing', labels: 'x' }] }),
      /alerts/,
    ],
  ])('rejects %s with 400 naming the problem and takes no action', async (_what, body, message) => {
    const { post, calls, logs } = await start();
    const res = await post('/mutate', body);
    expect(res.status).toBe(400);
    const reply = (await res.json()) as { error: string; message: string };
    expect(reply.error).toBe('badInput');
    expect(reply.message).toMatch(message);
    expect(calls.size).toBe(0);
    expect(logs.audits().some((a) => a.decision === 'rejected')).toBe(true);
  });

  it('rejects a body over the limit with 413', async () => {
    const { post, calls, logs } = await start({ limits: { body: '1KiB' } });
    const res = await post('/mutate', JSON.stringify({ target: 'x'.repeat(4096) }));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toContain('limit');
    expect(calls.size).toBe(0);
    expect(logs.audits()[0]).toMatchObject({ decision: 'rejected' });
  });

  it('answers 404 for an unknown function', async () => {
    const { post } = await start();
    const res = await post('/nope', '{}');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toContain('unknown function "nope"');
  });

  it('accepts a Google OIDC token for the configured audience', async () => {
    const good = unsignedIdToken({ sub: '1' }, 'good');
    const bad = unsignedIdToken({ sub: '1' }, 'bad');
    const audiences: unknown[] = [];
    const { post } = await start(
      { auth: { oidc: { audience: 'https://fn.example/mutate', emails: ['scheduler@p1.iam.gserviceaccount.com'] } } },
      {
        verifyOidc: async (token, audience) => {
          audiences.push(audience);
          if (token !== good) throw new Error('bad signature');
          return { subject: '1', email: 'scheduler@p1.iam.gserviceaccount.com' };
        },
      },
    );
    expect((await post('/mutate', '{}', { authorization: `Bearer ${good}` })).status).toBe(200);
    expect((await post('/mutate', '{}', { authorization: `Bearer ${bad}` })).status).toBe(401);
    expect(audiences[0]).toBe('https://fn.example/mutate');
  });

  it('runs each alert of an Alertmanager batch once, even when the batch is redelivered', async () => {
    const { post, calls } = await start();
    const body = readFileSync(new URL('../../../fixtures/alertmanager/firing-batch.json', import.meta.url));
    const first = await post('/mutate', body);
    expect(first.status).toBe(200);
    const reply = (await first.json()) as { results: { outcome: string }[] };
    expect(reply.results).toHaveLength(alertmanager.alerts.length);
    await post('/mutate', body);
    const total = [...calls.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(alertmanager.alerts.length);
    const again = (await (await post('/mutate', body)).json()) as { results: { duplicate?: boolean }[] };
    expect(again.results.every((r) => r.duplicate === true)).toBe(true);
  });

  it('honours the dry-run header: decision logged, nothing called', async () => {
    const { post, calls, logs } = await start();
    const res = await post('/mutate', JSON.stringify({ target: 'web' }), { 'x-opsfn-dry-run': 'true' });
    expect(await res.json()).toMatchObject({ dryRun: true, actions: [{ status: 'dry-run' }] });
    expect(calls.size).toBe(0);
    expect(logs.audits().some((a) => a.decision === 'dry-run')).toBe(true);
  });

  it('answers 409 when the target is locked by a concurrent run', async () => {
    const { post } = await start();
    const a = post('/mutate', JSON.stringify({ target: 'db' }), { 'idempotency-key': 'a' });
    const b = post('/mutate', JSON.stringify({ target: 'db' }), { 'idempotency-key': 'b' });
    const statuses = (await Promise.all([a, b])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
  });

  it('never writes a secret value to any log line', async () => {
    const leaky = defineFunction({
      name: 'leaky',
      description: '',
      triggers: ['manual'],
      input: z.object({}),
      async run(ctx) {
        const value = await ctx.secret({ env: 'OPSFN_TEST_TOKEN' });
        ctx.log.info(`resolved token ${value}`, { header: `Bearer ${value}`, nested: { value } });
        return { outcome: 'ok', summary: `used ${value.length} chars` };
      },
    });
    const { post, logs } = await start({}, { functions: [leaky] });
    await post('/leaky', '{}');
    await post('/mutate', '{}', { authorization: `Bearer ${TOKEN}x` });
    expect(logs.lines.length).toBeGreaterThan(3);
    for (const line of logs.lines) expect(line).not.toContain(TOKEN);
    expect(logs.lines.some((l) => l.includes('[REDACTED]'))).toBe(true);
  });
});
