import { describe, expect, it } from 'vitest';
import { type AutoscalePolicy, AutoscalePolicySchema, parseStep } from '../../../functions/autoscale/config.js';
import { decideDown, decideUp, relation, stepDown, stepUp } from '../../../functions/autoscale/decide.js';
import type { Knob } from '../../../functions/autoscale/knob.js';
import type { ScaleRecord } from '../../../functions/autoscale/state-keys.js';

const policy = (over: Record<string, unknown> = {}): AutoscalePolicy =>
  AutoscalePolicySchema.parse({ match: { alert: 'latency' }, up: { max: 10 }, ...over });
const knob = (value: number, over: Partial<Knob> = {}): Knob => ({
  id: 'cloud-run:service:min',
  value,
  bottom: 0,
  label: 'minInstanceCount (service)',
  ...over,
});
const record = (over: Partial<ScaleRecord> = {}): ScaleRecord => ({
  service: 'web',
  knob: 'cloud-run:service:min',
  baseline: 2,
  applied: 3,
  appliedAt: '2026-01-01T10:00:00.000Z',
  policy: 'p',
  alerts: [],
  ...over,
});
const at = (iso: string) => new Date(iso);

describe('parseStep', () => {
  it.each([
    ['+50%', { kind: 'percent', value: 50 }],
    ['50%', { kind: 'percent', value: 50 }],
    ['+2', { kind: 'count', value: 2 }],
    ['-2', { kind: 'count', value: 2 }],
    [3, { kind: 'count', value: 3 }],
  ])('parses %s', (text, step) => {
    expect(parseStep(text)).toEqual(step);
  });

  it.each(['', '+0', '+1.5', 'abc', '+2000%', '0%', 0, -1, 1.5])('refuses %s', (text) => {
    expect(parseStep(text)).toBeUndefined();
  });
});

describe('stepUp and stepDown', () => {
  it.each([
    [0, '+50%', 1],
    [1, '+50%', 2],
    [2, '+50%', 3],
    [3, '+50%', 5],
    [10, '+50%', 15],
    [3, '+2', 5],
    [0, '+2', 2],
  ])('steps %i up by %s to %i', (value, step, expected) => {
    expect(stepUp(value, parseStep(step as string) as never)).toBe(expected);
  });

  it.each([
    [10, '50%', 5],
    [3, '50%', 1],
    [1, '50%', 0],
    [5, '2', 3],
    [1, '2', 0],
  ])('steps %i down by %s to %i', (value, step, expected) => {
    expect(stepDown(value, parseStep(step as string) as never)).toBe(expected);
  });

  it('goes all the way down when no step is set', () => {
    expect(stepDown(7, undefined)).toBe(0);
  });
});

describe('relation', () => {
  it.each([
    ['no record', knob(3), undefined, 'none'],
    ['the applied value', knob(3), record(), 'ours'],
    ['the pending value', knob(5), record({ pending: 5 }), 'ours'],
    ['back at the baseline', knob(2), record(), 'reset'],
    ['another value', knob(7), record(), 'manual'],
    ['below the baseline', knob(1), record(), 'manual'],
    ['another knob', knob(3, { id: 'kubernetes:replicas' }), record(), 'manual'],
  ] as const)('classifies %s', (_, k, r, expected) => {
    expect(relation(k, r)).toBe(expected);
  });
});

describe('decideUp', () => {
  it.each([
    [
      'steps up by 50 % and records the baseline',
      policy(),
      knob(2),
      undefined,
      { kind: 'up', from: 2, to: 3, baseline: 2 },
    ],
    ['steps +2', policy({ up: { step: '+2', max: 10 } }), knob(2), undefined, { kind: 'up', to: 4 }],
    ['caps at up.max', policy({ up: { step: '+5', max: 6 } }), knob(4), undefined, { kind: 'up', to: 6 }],
    ['holds at up.max', policy({ up: { max: 4 } }), knob(4), undefined, { kind: 'hold' }],
    [
      'caps at the platform ceiling',
      policy({ up: { max: 50 } }),
      knob(8, { ceiling: 9 }),
      undefined,
      { kind: 'up', to: 9 },
    ],
    [
      'keeps the first baseline on later steps',
      policy(),
      knob(3),
      record(),
      { kind: 'up', from: 3, to: 5, baseline: 2 },
    ],
    ['steps from the active value after a reset', policy(), knob(2), record(), { kind: 'up', from: 2, to: 5 }],
    ['leaves a hand-made change alone', policy(), knob(7), record(), { kind: 'manual', observed: 7, expected: 3 }],
    [
      'puts back a value a deploy reset though the active one is already at up.max',
      policy({ up: { max: 3 } }),
      knob(2),
      record(),
      { kind: 'reapply', from: 2, to: 3 },
    ],
  ] as const)('%s', (_, p, k, r, expected) => {
    expect(decideUp({ policy: p, knob: k, record: r, coolingMs: 0 })).toMatchObject(expected);
  });

  it('holds while cooling down', () => {
    const d = decideUp({ policy: policy(), knob: knob(2), record: undefined, coolingMs: 300_000 });
    expect(d).toEqual({ kind: 'hold', reasons: ['cooling down for 5m after the last step up'] });
  });
});

describe('decideDown', () => {
  const quiet = { firing: 0, lastFiringAt: '2026-01-01T10:00:00.000Z', lastResolvedAt: '2026-01-01T10:05:00.000Z' };
  it.each([
    ['holds with no record', policy(), knob(3), undefined, quiet, '2026-01-01T12:00:00Z', { kind: 'hold' }],
    [
      'holds while an alert fires',
      policy(),
      knob(3),
      record(),
      { ...quiet, firing: 1 },
      '2026-01-01T12:00:00Z',
      { kind: 'hold', reasons: ['1 alert still firing'] },
    ],
    ['holds before down.after', policy(), knob(3), record(), quiet, '2026-01-01T10:34:00Z', { kind: 'hold' }],
    [
      'steps back to the baseline after down.after',
      policy(),
      knob(3),
      record(),
      quiet,
      '2026-01-01T10:35:00Z',
      { kind: 'down', from: 3, to: 2, final: true },
    ],
    [
      'steps down by down.step',
      policy({ down: { step: '-2' } }),
      knob(9),
      record({ applied: 9 }),
      quiet,
      '2026-01-01T11:00:00Z',
      { kind: 'down', to: 7, final: false },
    ],
    [
      'never goes below down.floor',
      policy({ down: { floor: 4 } }),
      knob(6),
      record({ applied: 6 }),
      quiet,
      '2026-01-01T11:00:00Z',
      { kind: 'down', to: 4, final: true },
    ],
    [
      'releases a record already at the baseline floor',
      policy({ down: { floor: 3 } }),
      knob(3),
      record(),
      quiet,
      '2026-01-01T11:00:00Z',
      { kind: 'release' },
    ],
    [
      're-applies a reset before the scale-down is due',
      policy(),
      knob(2),
      record(),
      { ...quiet, firing: 1 },
      '2026-01-01T10:10:00Z',
      { kind: 'reapply', from: 2, to: 3 },
    ],
    [
      'releases a reset once the scale-down is due',
      policy(),
      knob(2),
      record(),
      quiet,
      '2026-01-01T11:00:00Z',
      { kind: 'release' },
    ],
    ['leaves a hand-made change alone', policy(), knob(8), record(), quiet, '2026-01-01T11:00:00Z', { kind: 'manual' }],
    [
      'counts quiet time from the last firing alert when no resolve came',
      policy(),
      knob(3),
      record(),
      { firing: 0, lastFiringAt: '2026-01-01T10:20:00.000Z' },
      '2026-01-01T10:49:00Z',
      { kind: 'hold' },
    ],
  ] as const)('%s', (_, p, k, r, signals, now, expected) => {
    expect(decideDown({ policy: p, knob: k, record: r, signals, now: at(now) })).toMatchObject(expected);
  });
});
