import type { ScaleRequest, ScalingState } from '../../shared/adapters/platforms/index.js';
import type { AutoscalePolicy } from './config.js';

/** The one bound a policy steps on a service, as read now. */
export interface Knob {
  /** `cloud-run:service:min`, `cloud-run:template:max`, `kubernetes:replicas`, `kubernetes:hpa:<name>:min` or `compose:replicas`. */
  id: string;
  /** Its current value. */
  value: number;
  /** What the platform allows it to reach: Cloud Run's max for the min knob, the HPA's maxReplicas. */
  ceiling?: number;
  /** What the platform requires it to stay at or above: Cloud Run's min for the max knob, 1 for an HPA. */
  bottom: number;
  /** For people: `minInstanceCount (service)`, `replicas`, `HPA web minReplicas`. */
  label: string;
}

/** Which knob of a service a policy steps, from the scaling state; a reason instead when it cannot be stepped. */
export function readKnob(
  state: ScalingState,
  policy: Pick<AutoscalePolicy, 'knob' | 'level'>,
): Knob | { error: string } {
  if (state.platform === 'cloud-run') {
    const bounds = (policy.level === 'service' ? state.service : state.template) ?? {};
    const where = `${policy.level === 'service' ? 'service' : 'template'}`;
    if (policy.knob === 'min') {
      return {
        id: `cloud-run:${policy.level}:min`,
        value: bounds.min ?? 0,
        ...(bounds.max === undefined ? {} : { ceiling: bounds.max }),
        bottom: 0,
        label: `minInstanceCount (${where})`,
      };
    }
    if (bounds.max === undefined) {
      return { error: `no ${where}-level maxInstanceCount is set: set one so autoscale can step it` };
    }
    return {
      id: `cloud-run:${policy.level}:max`,
      value: bounds.max,
      bottom: Math.max(1, bounds.min ?? 0),
      label: `maxInstanceCount (${where})`,
    };
  }
  if (state.platform === 'compose') {
    if (state.replicas === undefined) return { error: 'Docker reports no container count' };
    return { id: 'compose:replicas', value: state.replicas, bottom: 0, label: 'containers' };
  }
  if (state.hpa) {
    return {
      id: `kubernetes:hpa:${state.hpa.name}:min`,
      value: state.hpa.min ?? 1,
      ceiling: state.hpa.max,
      bottom: 1,
      label: `HPA ${state.hpa.name} minReplicas`,
    };
  }
  if (state.replicas === undefined) return { error: 'the scale subresource reports no spec.replicas' };
  return { id: 'kubernetes:replicas', value: state.replicas, bottom: 0, label: 'replicas' };
}

/** The platform request that sets `knob` to `value`. */
export function knobRequest(knob: Knob, value: number, state: ScalingState): ScaleRequest {
  const [platform, level, kind] = knob.id.split(':');
  if (platform === 'compose') return { platform: 'compose', replicas: value };
  if (platform === 'cloud-run') {
    const field = kind === 'max' ? { max: value } : { min: value };
    return { platform: 'cloud-run', level: level === 'template' ? 'template' : 'service', ...field };
  }
  // The versions of the read the decision was re-checked on: a concurrent change is refused, not overwritten.
  if (state.hpa && knob.id.startsWith('kubernetes:hpa:')) {
    const version = state.hpa.version ? { version: state.hpa.version } : {};
    const from = state.hpa.min === undefined ? {} : { from: state.hpa.min };
    return { platform: 'kubernetes', hpa: state.hpa.name, min: value, max: state.hpa.max, ...version, ...from };
  }
  return {
    platform: 'kubernetes',
    replicas: value,
    ...(state.version ? { version: state.version } : {}),
    ...(state.replicas === undefined ? {} : { from: state.replicas }),
  };
}
