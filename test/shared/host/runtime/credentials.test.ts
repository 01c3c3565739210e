import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { EstateInput } from '../../../../functions/estate.js';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { captureLogs, testEstateOf } from '../../../support/estate.js';
import { type CallLog, makeMutateFunction } from '../../../support/mutate-function.js';
import { recordingNotifier } from '../../../support/recording-notifier.js';
import { serveRuntime } from '../../../support/serve.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** Answers who called it, on its trigger intake and on two extra routes. */
const whoami = defineFunction({
  name: 'whoami',
  description: 'echoes the caller',
  triggers: ['manual', 'scheduled'],
  input: z.record(z.string(), z.unknown()),
  async run(ctx) {
    return { outcome: 'ok', summary: `${ctx.trigger.kind} ${ctx.trigger.kind === 'manual' ? ctx.trigger.caller : ''}` };
  },
  routes: ['GET status', 'POST approve'].map((r) => {
    const [method, subpath] = r.split(' ') as ['GET' | 'POST', string];
    return { method, subpath, handle: async (req) => ({ status: 200, body: { caller: req.caller } }) };
  }),
});

async function start(auth: EstateInput['auth'], env: Record<string, string>) {
  const calls: CallLog = new Map();
  const logs = captureLogs();
  const served = await serveRuntime({
    config: testEstateOf({ auth }),
    functions: [makeMutateFunction(calls, { delayMs: 300 }), whoami],
    state: new MemoryStateStore(),
    notifier: recordingNotifier(),
    env,
    logSink: logs.sink,
  });
  stops.push(served.stop);
  const call = async (token: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${served.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  return { ...served, calls, logs, call };
}

const ALERTS = readFileSync(new URL('../../../fixtures/alertmanager/firing-batch.json', import.meta.url), 'utf8');

describe('scoped tokens', () => {
  const auth = {
    tokens: [
      { name: 'alertmanager', token: { env: 'AM' }, allow: [{ function: 'whoami', routes: ['POST /'] }] },
      { name: 'viewer', token: { env: 'VIEW' }, allow: [{ function: 'whoami', routes: ['GET /*'] }] },
      { env: 'ADMIN' },
    ],
  };
  const env = { AM: 'am-token-31c9', VIEW: 'view-token-77d2', ADMIN: 'admin-token-90fe' };

  it('names the caller token:<name> and lets it call the routes it was granted', async () => {
    const { call } = await start(auth, env);
    expect(JSON.parse((await call(env.AM, '/whoami', {})).text)).toMatchObject({
      summary: 'manual token:alertmanager',
    });
    expect(JSON.parse((await call(env.VIEW, '/whoami/status')).text)).toEqual({ caller: 'token:viewer' });
    expect(JSON.parse((await call(env.ADMIN, '/whoami/approve', {})).text)).toEqual({ caller: 'token:2' });
  });

  it.each([
    ['another route of its function', env.AM, '/whoami/approve', {}],
    ['a GET route', env.AM, '/whoami/status', undefined],
    ['another function', env.AM, '/mutate', { target: 'db' }],
    ['a POST with a read-only grant', env.VIEW, '/whoami', {}],
  ])('refuses %s with 403, audits it and runs nothing', async (_what, token, path, body) => {
    const { call, calls, logs } = await start(auth, env);
    const res = await call(token, path, body);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text)).toMatchObject({ error: 'forbidden', message: expect.stringMatching(/may not call/) });
    expect(logs.audits()).toEqual([
      expect.objectContaining({ decision: 'rejected', reason: expect.stringMatching(/^forbidden: token:/) }),
    ]);
    expect(calls.size).toBe(0);
  });
});

describe('a token granted alerts only', () => {
  const auth = {
    tokens: [
      {
        name: 'alertmanager',
        token: { env: 'AM' },
        allow: [{ function: 'mutate', routes: ['POST /'], triggers: ['alert' as const] }],
      },
    ],
  };
  const env = { AM: 'am-token-5e0a' };

  it('posts alerts, but cannot order the same function by hand: 403, audited, nothing run', async () => {
    const { call, calls, logs } = await start(auth, env);
    expect((await call(env.AM, '/mutate', ALERTS)).status).toBe(200);
    const ran = calls.size;
    expect(ran).toBeGreaterThan(0);
    const manual = await call(env.AM, '/mutate', { target: 'db' });
    expect(manual.status).toBe(403);
    expect(JSON.parse(manual.text)).toMatchObject({
      error: 'forbidden',
      message: 'token:alertmanager may send alert triggers to mutate, not a manual one (manual)',
    });
    expect(logs.audits().at(-1)).toMatchObject({ decision: 'rejected', reason: expect.stringMatching(/^forbidden: /) });
    expect(calls.size).toBe(ran);
    expect(calls.has('db')).toBe(false);
  });
});

describe('an Alertmanager batch with one alert refused', () => {
  it('runs the batch’s good alerts and audits the refused one, answering 200 so nothing is lost', async () => {
    const auth = { tokens: [{ env: 'AM' }] };
    const env = { AM: 'am-token-77c1' };
    const { call, calls, logs } = await start(auth, env);
    const body = JSON.parse(ALERTS) as { alerts: Record<string, unknown>[] };
    const bad = { ...body.alerts[0], fingerprint: 'ab', labels: { alertname: 'Huge', team: 'x'.repeat(5000) } };
    const res = await call(env.AM, '/mutate', JSON.stringify({ ...body, alerts: [...body.alerts, bad] }));
    expect(res.status).toBe(200);
    expect(calls.size).toBeGreaterThan(0);
    expect(logs.audits()).toContainEqual(
      expect.objectContaining({
        decision: 'rejected',
        reason: expect.stringMatching(/^refused one alert of the batch: alertmanager: alerts\[3\]\.labels\.team: /),
      }),
    );
  });
});

describe('a token secret that cannot be read', () => {
  const auth = { tokens: [{ env: 'OPSFN_SET_TOKEN' }, { env: 'OPSFN_UNSET_TOKEN' }] };
  const env = { OPSFN_SET_TOKEN: 'set-token-4b8e' };

  it('still admits a caller whose token resolves', async () => {
    const { call } = await start(auth, env);
    expect((await call(env.OPSFN_SET_TOKEN, '/whoami', {})).status).toBe(200);
  });

  it('answers anyone else 503 without naming the secret, and names it in the audit record and readiness log', async () => {
    const { call, url, logs } = await start(auth, env);
    const res = await call('guess-1234', '/whoami', {});
    expect(res.status).toBe(503);
    expect(res.text).not.toContain('OPSFN_UNSET_TOKEN');
    expect(logs.audits()).toEqual([
      expect.objectContaining({
        decision: 'rejected',
        evidence: expect.objectContaining({ unresolved: ['env OPSFN_UNSET_TOKEN'] }),
      }),
    ]);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    const text = await ready.text();
    expect(JSON.parse(text)).toEqual({ status: 'unready', checks: { state: 'ok', auth: 'unusable' } });
    expect(text).not.toContain('OPSFN_UNSET_TOKEN');
    expect(logs.lines.some((l) => l.includes('env OPSFN_UNSET_TOKEN') && l.includes('credential secrets'))).toBe(true);
  });
});

describe('idempotency across callers', () => {
  const auth = { tokens: [{ env: 'A' }, { env: 'B' }] };
  const env = { A: 'a-token-6d1e', B: 'b-token-2f7c' };

  it('scopes an Idempotency-Key by caller and payload', async () => {
    const { call, calls } = await start(auth, env);
    const key = { 'idempotency-key': 'deploy-42' };
    const send = async (token: string, target: string) =>
      JSON.parse((await call(token, '/mutate', { target }, key)).text) as { duplicate?: boolean };
    expect((await send(env.A, 'x')).duplicate).toBeUndefined();
    expect((await send(env.A, 'x')).duplicate).toBe(true);
    expect((await send(env.B, 'x')).duplicate).toBeUndefined();
    expect((await send(env.A, 'y')).duplicate).toBeUndefined();
    expect(Object.fromEntries(calls)).toEqual({ x: 2, y: 1 });
  });

  it('answers 409 to a redelivery while the first run is still going, then the recorded envelope', async () => {
    const { call, calls } = await start(auth, env);
    const first = call(env.A, '/mutate', ALERTS);
    await new Promise((r) => setTimeout(r, 100));
    const during = await call(env.A, '/mutate', ALERTS);
    expect(during.status).toBe(409);
    expect(during.headers.get('retry-after')).toBe('30');
    const body = JSON.parse(during.text) as { results: { duplicate?: boolean; error?: { retryable: boolean } }[] };
    expect(body.results.some((r) => r.duplicate && r.error?.retryable)).toBe(true);
    expect((await first).status).toBe(200);
    const after = await call(env.A, '/mutate', ALERTS);
    expect(after.status).toBe(200);
    const total = [...calls.values()].reduce((a, b) => a + b, 0);
    const again = JSON.parse(after.text) as { results: { duplicate?: boolean }[] };
    expect(again.results.every((r) => r.duplicate)).toBe(true);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(again.results.length);
  });
});
