import { describe, expect, it } from 'vitest';
import { defaultDrDrillDeps } from '../../../functions/dr-drill/deps.js';
import { createDrDrill, drDrill } from '../../../functions/dr-drill/handler.js';
import { type DrillRecord, drillKey } from '../../../functions/dr-drill/model.js';
import type { Estate } from '../../../functions/estate.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { createRuntime } from '../../../shared/host/runtime/runtime.js';
import { runForTest } from '../../../shared/testing/index.js';
import { unsignedIdToken } from '../../support/id-tokens.js';
import { recordingNotifier } from '../../support/recording-notifier.js';
import { serveRuntime } from '../../support/serve.js';
import { databasesLike } from './fixtures.js';
import { continued, manual, standardEstate, useCleanups } from './harness.js';

const cleanups = useCleanups();
const estate = (plan?: Record<string, unknown>) => standardEstate(cleanups, plan);

/** drDrill served over HTTP for an estate, its state in memory; `extra` adds the secrets or the OIDC verifier. */
async function serveDrills(config: unknown, extra: Partial<Parameters<typeof serveRuntime>[0]>) {
  const state = new MemoryStateStore();
  const served = await serveRuntime({
    config: config as Estate,
    functions: [drDrill],
    state,
    notifier: recordingNotifier(),
    logSink: () => undefined,
    ...extra,
  });
  cleanups.push(() => served.stop());
  return { state, served };
}

describe('drDrill lifecycle', () => {
  it('resumes after a crash between steps without repeating finished work, found stalled by the janitor', async () => {
    const config = await estate();
    const state = new MemoryStateStore();
    const sent: { key: string; payload: Record<string, unknown> }[] = [];
    const make = (offsetMs: number) =>
      createRuntime({
        config,
        functions: [drDrill],
        state,
        notifier: recordingNotifier(),
        logSink: () => undefined,
        now: () => new Date(Date.now() + offsetMs),
        continuation: async (_name, key, payload) => {
          sent.push({ key, payload });
        },
      });
    const runtime = await make(0);
    const start = await runtime.invoke('drDrill', manual({ plan: 'quarterly-db' }));
    expect(start.accepted).toBe(true);
    const id = start.drill as string;
    const first = await runtime.invoke('drDrill', continued(sent[0]!.key, sent[0]!.payload));
    expect(first.actions.map((a) => a.action)).toEqual(['drill.create-database']);
    const afterRestore = (await state.get<DrillRecord>(drillKey(id))) as DrillRecord;
    expect(afterRestore.steps[0]?.status).toBe('ok');

    // The invocation of the assert step died mid-step: its record says running, its continuation is lost.
    afterRestore.steps[1] = {
      ...afterRestore.steps[1]!,
      status: 'running',
      startedAt: new Date().toISOString(),
      attempts: 1,
    };
    await state.put(drillKey(id), afterRestore);
    sent.length = 0;

    const janitor = await (await make(3_600_000)).invoke('drDrill', manual({ task: 'janitor' }));
    expect(janitor.items).toEqual([expect.objectContaining({ drill: id, action: 'resumed' })]);
    expect(sent.map((s) => s.payload)).toEqual([{ drill: id }]);

    const actions: string[] = [];
    for (let i = 0; i < 10 && sent.length > 0; i++) {
      const next = sent.shift()!;
      const envelope = await runtime.invoke('drDrill', continued(next.key, next.payload));
      actions.push(...envelope.actions.map((a) => a.action));
    }
    const done = (await state.get<DrillRecord>(drillKey(id))) as DrillRecord;
    expect(done.status).toBe('passed');
    expect(done.steps[0]).toMatchObject({ attempts: 1, finishedAt: afterRestore.steps[0]?.finishedAt });
    expect(done.steps[1]).toMatchObject({ status: 'ok', attempts: 2 });
    expect(actions).toEqual(['drill.delete-scratch-db']);
    expect(await databasesLike('postgres', `opsfn_drill_${id}`)).toEqual([]);
  });

  it('holds creating steps until a second caller approves', async () => {
    const config = {
      ...(await estate({ approval: 'required' })),
      auth: { tokens: [{ env: 'DR_T0' }, { env: 'DR_T1' }] },
    };
    const { state, served } = await serveDrills(config, {
      env: { DR_T0: 'token-zero-secret', DR_T1: 'token-one-secret' },
    });
    const as = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
    const res = await fetch(`${served.url}/drDrill`, {
      method: 'POST',
      headers: as('token-zero-secret'),
      body: '{"plan":"quarterly-db"}',
    });
    expect(res.status).toBe(202);
    const { drill: id } = (await res.json()) as { drill: string };
    const status = async () =>
      (
        (await (
          await fetch(`${served.url}/drDrill?id=${id}`, { headers: as('token-zero-secret') })
        ).json()) as DrillRecord
      ).status;
    for (let i = 0; i < 100 && (await status()) !== 'awaiting-approval'; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(await status()).toBe('awaiting-approval');
    expect(await databasesLike('postgres', `opsfn_drill_${id}`)).toEqual([]);

    const approve = (token: string) =>
      fetch(`${served.url}/drDrill/approve`, { method: 'POST', headers: as(token), body: JSON.stringify({ id }) });
    const self = await approve('token-zero-secret');
    expect(self.status).toBe(403);
    expect(((await self.json()) as { message: string }).message).toContain('a different caller must approve');
    const other = await approve('token-one-secret');
    expect(other.status).toBe(200);
    expect(await other.json()).toMatchObject({ approvedBy: 'token:1' });
    for (let i = 0; i < 300 && (await status()) !== 'passed'; i++) await new Promise((r) => setTimeout(r, 30));
    const done = (await state.get<DrillRecord>(drillKey(id))) as DrillRecord;
    expect(done.status).toBe('passed');
    expect(done.approval).toMatchObject({ approvedBy: 'token:1' });
  });

  it('holds one Google account to one caller for the two-person rule, with or without its email claim', async () => {
    const config = {
      ...(await estate({ approval: 'required' })),
      auth: {
        mode: 'app',
        tokens: [],
        oidc: { audience: 'https://fn.example/drDrill', emails: ['alice@example.com'], subjects: ['1001', '2002'] },
      },
    };
    // The same account (subject 1001) asks once with its email claim and once without: a token minted without the
    // email scope, or a service account's generateIdToken with includeEmail false. Subject 2002 is someone else.
    const withEmail = unsignedIdToken({ sub: '1001' }, 'with-email');
    const withoutEmail = unsignedIdToken({ sub: '1001' }, 'without-email');
    const someoneElse = unsignedIdToken({ sub: '2002' }, 'bob');
    const identities = new Map([
      [withEmail, { subject: '1001', email: 'alice@example.com' }],
      [withoutEmail, { subject: '1001' }],
      [someoneElse, { subject: '2002' }],
    ]);
    const { state, served } = await serveDrills(config, {
      verifyOidc: async (token: string) => {
        const identity = identities.get(token);
        if (!identity) throw new Error('bad signature');
        return identity;
      },
    });
    const as = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
    const res = await fetch(`${served.url}/drDrill`, {
      method: 'POST',
      headers: as(withEmail),
      body: '{"plan":"quarterly-db"}',
    });
    expect(res.status).toBe(202);
    const { drill: id } = (await res.json()) as { drill: string };
    const record = async () => (await state.get<DrillRecord>(drillKey(id))) as DrillRecord;
    for (let i = 0; i < 100 && (await record()).status !== 'awaiting-approval'; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(await record()).toMatchObject({ status: 'awaiting-approval', startedBy: 'alice@example.com' });

    const approve = (token: string) =>
      fetch(`${served.url}/drDrill/approve`, { method: 'POST', headers: as(token), body: JSON.stringify({ id }) });
    const self = await approve(withoutEmail);
    expect(self.status).toBe(403);
    expect(((await self.json()) as { message: string }).message).toContain('a different caller must approve');
    expect((await record()).approval?.approvedAt).toBeUndefined();
    const other = await approve(someoneElse);
    expect(other.status).toBe(200);
    expect(await other.json()).toMatchObject({ approvedBy: 'oidc:2002' });

    // A drill recorded before accounts were (no startedByPrincipal): a caller without an email cannot show it is
    // not the starter, and is refused.
    const legacy = { ...(await record()), id: '0ddba11a', status: 'awaiting-approval', approval: { required: true } };
    delete (legacy as Partial<DrillRecord>).startedByPrincipal;
    await state.put(drillKey('0ddba11a'), legacy);
    const unsure = await fetch(`${served.url}/drDrill/approve`, {
      method: 'POST',
      headers: as(withoutEmail),
      body: JSON.stringify({ id: '0ddba11a' }),
    });
    expect(unsure.status).toBe(403);
    expect(((await unsure.json()) as { message: string }).message).toContain('before accounts were recorded');
  });

  it('answers POST /drDrill with dryRun in the body with the plan, and starts nothing', async () => {
    const config = await estate();
    const state = new MemoryStateStore();
    const notifier = recordingNotifier();
    // Every database a drill makes goes through its scratch port: this drill's calls, apart from other test files'.
    const deps = defaultDrDrillDeps();
    const created: string[] = [];
    const recording = createDrDrill({
      ...deps,
      scratch: {
        ...deps.scratch,
        create: (server, name) => {
          created.push(name);
          return deps.scratch.create(server, name);
        },
      },
    });
    const served = await serveRuntime({ config, functions: [recording], state, notifier, logSink: () => undefined });
    cleanups.push(() => served.stop());
    const res = await fetch(`${served.url}/drDrill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ plan: 'quarterly-db', dryRun: true }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { summary: string; items: { name: string; detail: string }[] };
    expect(body.summary).toContain('dry-run: drill plan quarterly-db has 4 steps');
    expect(body.items.map((i) => i.name)).toEqual(['restore', 'assert', 'check', 'cleanup']);
    expect(body.items[0]?.detail).toContain('would restore the newest dump of backup dumps');
    expect(body.items[1]?.detail).toMatch(/^would run \d+ read-only SQL assertions? on the recovered copy$/);
    await new Promise((r) => setTimeout(r, 100));
    expect(await state.keys('drill')).toEqual([]);
    expect(notifier.sent).toEqual([]);
    expect(created).toEqual([]);
  });

  it('dry-run prints the plan and touches nothing', async () => {
    const config = await estate();
    const state = new MemoryStateStore();
    const notifier = recordingNotifier();
    const { envelope } = await runForTest(drDrill, manual({ plan: 'quarterly-db' }), {
      estate: config,
      state,
      notifier,
      dryRun: true,
    });
    expect(envelope.summary).toContain('dry-run');
    expect(envelope.outcome).toBe('ok');
    expect((envelope.items as { name: string; detail: string }[]).map((i) => i.name)).toEqual([
      'restore',
      'assert',
      'check',
      'cleanup',
    ]);
    expect((envelope.items as { detail: string }[])[0]?.detail).toContain(
      'would restore the newest dump of backup dumps',
    );
    expect(envelope.actions).toEqual([
      expect.objectContaining({ action: 'drill.create-scratch-db', status: 'dry-run' }),
    ]);
    expect((await state.keys('drill')).length).toBe(0);
    expect(notifier.sent).toEqual([]);
    // What it would create is only named: its one guarded action is a dry run. The server's database list is not
    // compared, since a dry run has no drill id to tell its databases from those other files' drills create meanwhile.
  });
});
