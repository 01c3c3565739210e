import { describe, expect, it } from 'vitest';
import { EstateSchema } from '../../../functions/estate.js';
import { parseConfig } from '../../../shared/host/runtime/load-config.js';

const estate = (autoscale: unknown) => ({ estate: 't', autoscale });

describe('autoscale config', () => {
  it('fills the defaults', () => {
    const config = parseConfig(
      EstateSchema,
      estate({ policies: [{ match: { alert: 'lat' }, up: { max: 8 } }] }),
      'test',
    );
    expect(config.autoscale?.policies[0]).toEqual({
      match: { alert: 'lat' },
      knob: 'min',
      level: 'service',
      up: { step: { kind: 'percent', value: 50 }, max: 8 },
      down: { after: 1_800_000, floor: 0, staleAfter: 21_600_000 },
      cooldown: 600_000,
      manualHold: 6 * 3_600_000,
    });
  });

  it.each([
    [
      { match: { alert: 'x' }, up: { max: 5, step: '+50' + 'x' } },
      /policies\[0\]\.up\.step.*expected a step like "\+50%"/,
    ],
    [{ match: { alert: 'x' }, up: {} }, /policies\[0\]\.up\.max/],
    [{ match: {}, up: { max: 3 } }, /policies\[0\]\.match.*at least one of/],
    [{ match: { alert: 'x' }, up: { max: 3 }, down: { floor: 4 } }, /policies\[0\]\.down\.floor.*at most up\.max/],
    [
      { match: { alert: 'x' }, up: { max: 3 }, down: { after: 'soon' } },
      /policies\[0\]\.down\.after.*expected duration/,
    ],
    [{ match: { alert: 'x' }, up: { max: 3 }, knob: 'replicas' }, /policies\[0\]\.knob/],
    [{ match: { alert: 'x' }, up: { max: 3 }, extra: 1 }, /extra/],
  ])('refuses a bad policy and names the path (%#)', (policy, message) => {
    expect(() => parseConfig(EstateSchema, estate({ policies: [policy] }), 'test')).toThrow(message);
  });
});
