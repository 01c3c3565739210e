import { describe, expect, it } from 'vitest';
import { drDrill } from '../../../functions/dr-drill/handler.js';
import { type DrillRecord, drillKey } from '../../../functions/dr-drill/model.js';
import type { Estate } from '../../../functions/estate.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { captureLogs } from '../../support/estate.js';
import { unsignedIdToken } from '../../support/id-tokens.js';
import { recordingNotifier } from '../../support/recording-notifier.js';
import { serveRuntime } from '../../support/serve.js';
import { databasesLike } from './fixtures.js';
import { standardEstate, useCleanups } from './harness.js';

// Two people hold tokens A and B; the Scheduler and Pub/Sub push present the invoker account's ID
// token. Token A tries to pass for the Scheduler to approve its own drill, and to burn the real
// approval's continuation.
const A = 'token-a-5e1f9d';
const B = 'token-b-8c2a47';
const INVOKER = 'opsfn-invoker@p1.iam.gserviceaccount.com';
const SCHEDULER_TOKEN = unsignedIdToken({ sub: '42' }, 'invoker');
const cleanups = useCleanups();

async function start() {
  const config = {
    ...(await standardEstate(cleanups, { approval: 'required' })),
    auth: {
      mode: 'app',
      tokens: [{ env: 'DR_A' }, { env: 'DR_B' }],
      oidc: { audience: 'https://fn.example/drDrill', scheduler: [INVOKER] },
    },
  } as Estate;
  const state = new MemoryStateStore();
  const logs = captureLogs();
  const served = await serveRuntime({
    config,
    functions: [drDrill],
    state,
    notifier: recordingNotifier(),
    logSink: logs.sink,
    env: { DR_A: A, DR_B: B },
    verifyOidc: async (token) => {
      if (token !== SCHEDULER_TOKEN) throw new Error('bad signature');
      return { subject: '42', email: INVOKER };
    },
  });
  cleanups.push(() => served.stop());
  const call = async (path: string, token: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${served.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const drill = async (id: string) => (await state.get<DrillRecord>(drillKey(id))) as DrillRecord;
  const until = async (id: string, statuses: string[]) => {
    for (let i = 0; i < 300 && !statuses.includes((await drill(id)).status); i++)
      await new Promise((r) => setTimeout(r, 20));
    return drill(id);
  };
  return { call, drill, until, state, logs };
}

const push = (attributes: Record<string, string>, data: unknown) => ({
  subscription: 'projects/p1/subscriptions/opsfn-dr-drill-drill-steps',
  message: {
    data: Buffer.from(JSON.stringify(data)).toString('base64'),
    attributes,
    messageId: `m-${Math.random().toString(16).slice(2)}`,
    publishTime: new Date().toISOString(),
  },
});

describe('drDrill against forged Scheduler headers and continuations', () => {
  it('starts a drill sent with forged X-CloudScheduler headers as the token holder, who then cannot approve it', async () => {
    const { call, until, logs } = await start();
    const started = await call(
      '/drDrill',
      A,
      { plan: 'quarterly-db' },
      {
        'x-cloudscheduler': 'true',
        'x-cloudscheduler-jobname': 'dr-drill-quarterly',
        'x-cloudscheduler-scheduletime': '2026-10-01T03:00:00Z',
      },
    );
    expect(started.status).toBe(202);
    expect(started.body.trigger).toMatchObject({ kind: 'manual', format: 'scheduler-http' });
    expect(logs.audits()).toContainEqual(
      expect.objectContaining({ decision: 'decided', action: 'demote', target: 'dr-drill-quarterly' }),
    );
    const id = started.body.drill as string;
    expect((await until(id, ['awaiting-approval'])).startedBy).toBe('token:0');

    const self = await call('/drDrill/approve', A, { id });
    expect(self.status).toBe(403);
    expect(self.body).toMatchObject({ error: 'forbidden' });
    expect(logs.audits()).toContainEqual(
      expect.objectContaining({ decision: 'rejected', action: 'drill.approve', target: id }),
    );
    expect((await until(id, ['awaiting-approval'])).approval?.approvedAt).toBeUndefined();
    expect(await databasesLike('postgres', `opsfn_drill_${id}`)).toEqual([]);
    await call('/drDrill/cancel', A, { id });
    await until(id, ['cancelled', 'failed', 'passed']);
  });

  it('runs a forged continuation push as a manual trigger, so the real approval continuation still runs', async () => {
    const { call, drill, until, state, logs } = await start();
    const started = await call('/drDrill', A, { plan: 'quarterly-db' });
    const id = started.body.drill as string;
    await until(id, ['awaiting-approval']);

    const forged = await call(
      '/drDrill/projects/p1/topics/drill-steps',
      A,
      push({ 'opsfn-job': 'continue:drDrill', 'opsfn-continue': `${id}:approved` }, { drill: id }),
    );
    expect(forged.body.trigger).toMatchObject({ kind: 'manual', format: 'pubsub-push' });
    expect(logs.audits()).toContainEqual(expect.objectContaining({ action: 'demote', target: 'continue:drDrill' }));
    expect(await state.get(`idem:drDrill:continue:${id}:approved`)).toBeUndefined();
    expect((await drill(id)).status).toBe('awaiting-approval');

    const approved = await call('/drDrill/approve', B, { id });
    expect(approved.body).toMatchObject({ approvedBy: 'token:1' });
    const done = await until(id, ['passed', 'failed']);
    expect(done.status).toBe('passed');
    expect(done.approval).toMatchObject({ approvedBy: 'token:1' });
  });

  it("keeps the Scheduler identity's push scheduled and makes the same push from a token manual", async () => {
    const { call } = await start();
    const job = push({ 'opsfn-job': 'dr-drill-quarterly' }, { plan: 'not-in-this-estate' });
    // A schedule shared by estates names a plan this one lacks: skipped for the Scheduler, 404 for a person.
    const scheduler = await call('/drDrill', SCHEDULER_TOKEN, job);
    expect(scheduler.status).toBe(200);
    expect(scheduler.body).toMatchObject({ outcome: 'skipped', trigger: { kind: 'scheduled' } });
    const forged = await call('/drDrill', A, job);
    expect(forged.status).toBe(404);
    expect(forged.body).toMatchObject({ trigger: { kind: 'manual' }, error: { kind: 'notFound', retryable: false } });
  });
});
