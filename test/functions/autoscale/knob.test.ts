import { describe, expect, it } from 'vitest';
import { knobRequest, readKnob } from '../../../functions/autoscale/knob.js';
import type { ScalingState } from '../../../shared/adapters/platforms/service-platform.js';

const run: ScalingState = { platform: 'cloud-run', service: { min: 2, max: 20 }, template: { min: 1, max: 10 } };
const deployment: ScalingState = { platform: 'kubernetes', replicas: 3 };
const withHpa: ScalingState = { platform: 'kubernetes', replicas: 4, hpa: { name: 'api', min: 2, max: 10 } };

describe('readKnob', () => {
  it.each([
    ['service min', run, { knob: 'min', level: 'service' }, { id: 'cloud-run:service:min', value: 2, ceiling: 20 }],
    ['template min', run, { knob: 'min', level: 'template' }, { id: 'cloud-run:template:min', value: 1, ceiling: 10 }],
    ['service max', run, { knob: 'max', level: 'service' }, { id: 'cloud-run:service:max', value: 20, bottom: 2 }],
    ['replicas', deployment, { knob: 'min', level: 'service' }, { id: 'kubernetes:replicas', value: 3, bottom: 0 }],
    [
      'the HPA minReplicas',
      withHpa,
      { knob: 'min', level: 'service' },
      { id: 'kubernetes:hpa:api:min', value: 2, ceiling: 10, bottom: 1 },
    ],
    ['an unset min as 0', { platform: 'cloud-run', service: {} }, { knob: 'min', level: 'service' }, { value: 0 }],
  ] as const)('reads %s', (_, state, shape, expected) => {
    expect(readKnob(state as ScalingState, shape)).toMatchObject(expected);
  });

  it('refuses to step an unset Cloud Run max', () => {
    expect(readKnob({ platform: 'cloud-run', service: { min: 1 } }, { knob: 'max', level: 'service' })).toEqual({
      error: 'no service-level maxInstanceCount is set: set one so autoscale can step it',
    });
  });
});

describe('knobRequest', () => {
  it.each([
    [run, { knob: 'min', level: 'service' }, 4, { platform: 'cloud-run', level: 'service', min: 4 }],
    [run, { knob: 'max', level: 'template' }, 12, { platform: 'cloud-run', level: 'template', max: 12 }],
    [deployment, { knob: 'min', level: 'service' }, 5, { platform: 'kubernetes', replicas: 5, from: 3 }],
    [withHpa, { knob: 'min', level: 'service' }, 4, { platform: 'kubernetes', hpa: 'api', min: 4, max: 10, from: 2 }],
  ] as const)('builds the platform request (%#)', (state, shape, value, expected) => {
    const knob = readKnob(state as ScalingState, shape);
    if ('error' in knob) expect.fail(knob.error);
    expect(knobRequest(knob, value, state as ScalingState)).toEqual(expected);
  });
});
