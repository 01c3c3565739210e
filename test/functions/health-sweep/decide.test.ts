import { describe, expect, it } from 'vitest';
import { advance, type CheckMemory, isDue, planGroup } from '../../../functions/health-sweep/decide.js';
import { decideRemedy, type RemedyCandidate } from '../../../functions/health-sweep/remedy.js';

const T0 = new Date('2026-03-02T09:00:00Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);
const policy = { failAfter: 2, flapping: { transitions: 4, windowMs: 3_600_000 } };
const fail = { status: 'fail' as const, detail: 'down' };
const ok = { status: 'ok' as const, detail: 'up' };

describe('advance', () => {
  it('keeps the last measurement through a sweep that could not measure, so growth meanwhile is counted', () => {
    const measured = advance(undefined, { ...ok, notes: { 'dlq:orders': 12 } }, policy, at(0));
    const blind = advance(measured.memory, fail, policy, at(5));
    expect(blind.memory.notes).toEqual({ 'dlq:orders': 12 });
    const back = advance(blind.memory, { ...ok, notes: { 'dlq:orders': 512 } }, policy, at(10));
    expect(back.memory.notes).toEqual({ 'dlq:orders': 512 });
  });

  it('counts failures, goes down after failAfter and comes back up on the first pass', () => {
    const one = advance(undefined, fail, policy, at(0));
    expect(one).toEqual({ memory: expect.objectContaining({ failures: 1, down: false, since: T0.toISOString() }) });
    const two = advance(one.memory, fail, policy, at(5));
    expect(two.event).toBe('down');
    expect(two.memory).toMatchObject({ failures: 2, down: true, since: T0.toISOString() });
    const three = advance(two.memory, fail, policy, at(10));
    expect(three.event).toBeUndefined();
    const back = advance(three.memory, ok, policy, at(15));
    expect(back.event).toBe('up');
    expect(back.memory).toMatchObject({
      failures: 0,
      down: false,
      transitions: [at(5).toISOString(), at(15).toISOString()],
    });
    expect(back.memory.since).toBeUndefined();
  });

  it('does not count a warning as a failure', () => {
    const warned = advance(
      advance(undefined, fail, policy, at(0)).memory,
      { status: 'warn', detail: 'slow' },
      policy,
      at(5),
    );
    expect(warned.memory).toMatchObject({ failures: 0, down: false });
  });

  it('is down at once when the failure is growth since the previous run, which the next run cannot see again', () => {
    const burst = advance(undefined, { ...fail, growth: true }, policy, at(0));
    expect(burst.event).toBe('down');
    expect(burst.memory).toMatchObject({ failures: 1, down: true });
    expect(advance(burst.memory, ok, policy, at(5)).event).toBe('up');
  });

  it('is down at once when an alert confirmed the failure', () => {
    expect(advance(undefined, fail, { ...policy, confirmed: true }, at(0)).event).toBe('down');
  });

  it('starts and stops flapping with the number of changes in the window', () => {
    let memory: CheckMemory | undefined;
    const events: (string | undefined)[] = [];
    for (let i = 0; i < 5; i++) {
      const step = advance(memory, i % 2 === 0 ? fail : ok, { ...policy, failAfter: 1 }, at(i));
      memory = step.memory;
      events.push(step.event);
    }
    expect(events).toEqual(['down', 'up', 'down', 'up', 'flapping']);
    const calm = advance(memory, ok, { ...policy, failAfter: 1 }, at(120));
    expect(calm.event).toBe('steady');
    expect(calm.memory.transitions).toEqual([at(120).toISOString()]);
  });
});

describe('isDue', () => {
  it.each([
    [undefined, 3_600_000, true],
    [0, undefined, true],
    [10, 3_600_000, false],
    [59.6, 3_600_000, true],
  ])('last run %s min ago, every %s ms → %s', (minutesAgo, every, due) => {
    const memory = minutesAgo === undefined ? undefined : ({ lastRunAt: at(-minutesAgo).toISOString() } as CheckMemory);
    expect(isDue(memory, every, T0)).toBe(due);
  });
});

describe('planGroup', () => {
  const down = (since: string): CheckMemory => ({
    status: 'fail',
    detail: 'x',
    failures: 2,
    down: true,
    since,
    transitions: [],
    flapping: false,
    lastRunAt: since,
  });

  it('opens an incident keyed by when the outage began, and recovers it with its length', () => {
    const opened = planGroup('api', undefined, [{ name: 'a', memory: down(at(-5).toISOString()) }], 4 * 3_600_000, T0);
    expect(opened).toMatchObject({
      kind: 'open',
      checks: ['a'],
      incident: { key: `health:api:${at(-5).toISOString()}` },
    });
    if (opened.kind !== 'open') throw new Error('expected open');
    const recovered = planGroup('api', opened.incident, [{ name: 'a', memory: undefined }], 4 * 3_600_000, at(9));
    expect(recovered).toMatchObject({ kind: 'recovered', outageMs: 14 * 60_000 });
  });

  it('opens nothing for a flapping check', () => {
    const memory = { ...down(T0.toISOString()), flapping: true };
    expect(planGroup('api', undefined, [{ name: 'a', memory }], 1, T0)).toEqual({ kind: 'none' });
  });
});

describe('decideRemedy', () => {
  const candidate = (over: Partial<RemedyCandidate> = {}): RemedyCandidate => ({
    check: 'ready',
    status: 'fail',
    failures: 3,
    after: 3,
    downDependencies: [],
    ...over,
  });

  it('restarts once a check that opted in failed `after` runs', () => {
    expect(decideRemedy([candidate({ failures: 2 })], undefined).kind).toBe('none');
    expect(decideRemedy([candidate({ after: undefined })], undefined).kind).toBe('none');
    expect(decideRemedy([candidate()], undefined)).toMatchObject({ kind: 'restart', checks: ['ready'] });
  });

  it('holds (pages) when any check of the service names a down dependency, once', () => {
    const candidates = [candidate(), candidate({ check: 'deps', after: undefined, downDependencies: ['redis'] })];
    const held = decideRemedy(candidates, undefined);
    expect(held).toMatchObject({ kind: 'hold', reasons: [expect.stringContaining('a dependency is down (redis)')] });
    expect(decideRemedy(candidates, { heldAt: T0.toISOString() }).kind).toBe('none');
  });

  it('never restarts again after a restart failed to heal it', () => {
    expect(decideRemedy([candidate()], { escalated: true, restartedAt: T0.toISOString() }).kind).toBe('none');
  });
});
