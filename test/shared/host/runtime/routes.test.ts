import { afterEach, describe, expect, it } from 'vitest';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { captureLogs, testEstate } from '../../../support/estate.js';
import { recordingNotifier } from '../../../support/recording-notifier.js';
import { serveRuntime } from '../../../support/serve.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** A two-step job: the first invocation accepts and continues, the second finishes; progress is readable over GET. */
const job = defineFunction({
  name: 'job',
  description: 'two steps across invocations',
  triggers: ['manual', 'scheduled'],
  input: z.strictObject({ id: z.string(), step: z._default(z.number().check(z.int()), 1) }),
  async run(ctx, input) {
    const { id, step } = input!;
    await ctx.state.put(`job:${id}`, { step, at: ctx.now().toISOString() });
    if (step === 1) {
      await ctx.continue(`${id}:2`, { id, step: 2 });
      return { outcome: 'ok', accepted: true, summary: `job ${id} accepted` };
    }
    return { outcome: 'ok', summary: `job ${id} finished` };
  },
  routes: [
    {
      method: 'GET',
      subpath: '',
      async handle(req) {
        const id = req.query.get('id');
        if (!id) return { status: 400, body: { error: 'badInput', message: 'id: required' } };
        const record = await req.state.get(`job:${id}`);
        return record
          ? { status: 200, body: record }
          : { status: 404, body: { error: 'notFound', message: `no job ${id}` } };
      },
    },
    {
      method: 'POST',
      subpath: 'approve',
      async handle(req) {
        return { status: 200, body: { approvedBy: req.caller, body: req.body } };
      },
    },
  ],
});

async function start() {
  const logs = captureLogs();
  const served = await serveRuntime({
    config: testEstate(),
    functions: [job],
    state: new MemoryStateStore(),
    notifier: recordingNotifier(),
    logSink: logs.sink,
  });
  stops.push(served.stop);
  return { ...served, logs };
}

describe('function routes, accepted runs and continuations', () => {
  it('answers 202 for accepted work and runs the continuation in-process under an unguessable key', async () => {
    const { url, logs } = await start();
    const res = await fetch(`${url}/job`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'a1' }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: true, summary: 'job a1 accepted' });
    let progress: unknown;
    for (let i = 0; i < 50; i++) {
      progress = await (await fetch(`${url}/job?id=a1`)).json();
      if ((progress as { step?: number }).step === 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(progress).toMatchObject({ step: 2 });
    const received = logs.audits().filter((a) => a.decision === 'received');
    expect(received.map((a) => a.reason)).toContainEqual(
      expect.stringMatching(/^scheduled trigger continue:a1:2:[0-9a-f]{16}$/),
    );
  });

  it('serves extra routes and names the served ones for an unknown path', async () => {
    const { url } = await start();
    expect((await fetch(`${url}/job?id=nope`)).status).toBe(404);
    expect((await fetch(`${url}/job`)).status).toBe(400);
    const approve = await fetch(`${url}/job/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"drill":"d1"}',
    });
    expect(await approve.json()).toEqual({ approvedBy: 'anonymous', body: { drill: 'd1' } });
    const missing = await fetch(`${url}/job/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toContain('POST /job/approve');
    expect(
      (
        await fetch(`${url}/job/approve`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{bad',
        })
      ).status,
    ).toBe(400);
  });

  it('takes a Pub/Sub push topic suffix as the function itself, not a route', async () => {
    const { url } = await start();
    const res = await fetch(`${url}/job/projects/p1/topics/opsfn-drill-steps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'p9' }),
    });
    expect(res.status).toBe(202);
  });

  it('answers 405 for a method the function does not serve', async () => {
    const { url } = await start();
    expect((await fetch(`${url}/job`, { method: 'DELETE' })).status).toBe(405);
  });
});
