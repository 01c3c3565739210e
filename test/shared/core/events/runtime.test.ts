import { describe, expect, it } from 'vitest';
import { parseRequest, type Trigger } from '../../../../shared/core/events/index.js';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { runForTest } from '../../../../shared/testing/index.js';
import { testEstate } from '../../../support/estate.js';
import { fixtureJson, fixtureRequest, intakeOptions, jsonRequest } from './load-fixture.js';

function recorder(seen: string[]) {
  return defineFunction({
    name: 'recordIntake',
    description: 'Records what it was started by.',
    triggers: ['alert', 'scheduled', 'manual'],
    input: z.object({ backups: z.optional(z.array(z.string())) }),
    async run(ctx) {
      const t = ctx.trigger;
      seen.push(t.kind === 'alert' ? `${t.alert.name}/${t.alert.labels.deployment ?? '-'}` : t.kind);
      return { outcome: 'ok', summary: t.id };
    },
  });
}

async function deliver(fn: ReturnType<typeof recorder>, triggers: Trigger[], state: MemoryStateStore) {
  const options = { estate: testEstate(), state };
  return Promise.all(triggers.map((trigger) => runForTest(fn, trigger, options).then((r) => r.envelope)));
}

describe('intake through runFunction', () => {
  it('runs each alert of a batch once and skips the whole redelivered batch', async () => {
    const seen: string[] = [];
    const state = new MemoryStateStore();
    const fn = recorder(seen);
    const { triggers } = parseRequest(fixtureRequest('alertmanager/firing-batch'), intakeOptions);
    const first = await deliver(fn, triggers, state);
    const again = await deliver(
      fn,
      parseRequest(fixtureRequest('alertmanager/firing-batch'), intakeOptions).triggers,
      state,
    );
    expect(seen).toEqual(['HighErrorRate/web', 'HighErrorRate/api', 'HighErrorRate/worker']);
    expect(first.map((e) => e.outcome)).toEqual(['ok', 'ok', 'ok']);
    expect(again.map((e) => e.duplicate)).toEqual([true, true, true]);
  });

  it('treats one incident arriving by webhook, by Pub/Sub and as acknowledged as one event', async () => {
    const seen: string[] = [];
    const state = new MemoryStateStore();
    const fn = recorder(seen);
    const open = fixtureJson('cloud-monitoring/open') as { incident: object };
    const acknowledged = { ...open, incident: { ...open.incident, state: 'acknowledged' } };
    for (const req of [
      fixtureRequest('cloud-monitoring/open'),
      fixtureRequest('pubsub-push/monitoring'),
      jsonRequest(acknowledged),
    ]) {
      await deliver(fn, parseRequest(req, intakeOptions).triggers, state);
    }
    await deliver(fn, parseRequest(fixtureRequest('cloud-monitoring/closed'), intakeOptions).triggers, state);
    expect(seen).toEqual(['web 5xx rate/-', 'web 5xx rate/-']);
  });

  it('validates a scheduled payload against the function input and rejects a wrong one', async () => {
    const fn = recorder([]);
    const [ok] = await deliver(
      fn,
      parseRequest(fixtureRequest('pubsub-push/scheduler'), intakeOptions).triggers,
      new MemoryStateStore(),
    );
    const bad = parseRequest(jsonRequest({ backups: 'pg' }, { 'x-cloudscheduler-jobname': 'daily' }), intakeOptions);
    const [rejected] = await deliver(fn, bad.triggers, new MemoryStateStore());
    expect(ok).toMatchObject({ outcome: 'ok', summary: 'ps:12', trigger: { kind: 'scheduled', id: 'ps:12' } });
    expect(rejected).toMatchObject({ outcome: 'rejected', actions: [] });
  });
});
