import { BadInputError } from '../../core/errors/index.js';
import type { RunService, RunServiceBody } from '../google/index.js';
import { toServiceStatus } from './cloud-run-parse.js';
import { ConcurrentChangeError } from './errors.js';
import type { ScalingChange, ScalingState } from './service-platform.js';

const LATEST = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST';

/** Traffic as people read it: `web-00002-abc 100 %, web-00003-def 0 %`. */
export function describeTraffic(service: RunService): string {
  const traffic = toServiceStatus(service, []).traffic;
  return traffic.map((t) => `${t.revision} ${t.percent} %`).join(', ') || 'none';
}

/** The share of traffic that follows the latest ready revision (a missing traffic list means all of it). */
export function latestShare(service: RunService): number {
  const traffic = service.traffic ?? [];
  if (traffic.length === 0) return 100;
  return traffic
    .filter((t) => t.type === LATEST || (t.type as unknown) === 1)
    .reduce((n, t) => n + (t.percent ?? 0), 0);
}

/**
 * The request body and update mask of a scaling change. A template change creates a revision, so it is refused
 * while no traffic follows the latest revision (the new one would serve nothing), and it clears
 * `template.revision`: a name set there (gcloud and the console set one) would be reused, and Cloud Run
 * refuses a second revision of that name with 409 "Revision named … with different configuration already exists".
 */
export function scalingWrite(
  target: string,
  service: RunService,
  change: Extract<ScalingChange, { platform: 'cloud-run' }>,
): { mask: string; body: RunServiceBody } | undefined {
  const fields = {
    ...(change.min === undefined ? {} : { minInstanceCount: change.min }),
    ...(change.max === undefined ? {} : { maxInstanceCount: change.max }),
  };
  const prefix = change.level === 'service' ? 'scaling' : 'template.scaling';
  const paths = Object.keys(fields).map((f) => `${prefix}.${f}`);
  if (paths.length === 0) return undefined;
  if (change.level === 'service') return { mask: paths.join(','), body: { scaling: fields } };
  if (latestShare(service) === 0) {
    throw new BadInputError(
      `${target}: traffic is pinned: ${describeTraffic(service)}; a new revision would get 0 % of traffic; scale at level service, or release the pin first`,
    );
  }
  const rename = service.template?.revision ? ['template.revision'] : [];
  const body = { template: { ...(rename.length ? { revision: '' } : {}), scaling: fields } };
  return { mask: [...paths, ...rename].join(','), body };
}

/** Whether the scaling a change asked for is what the service now holds. */
export function scalingHeld(state: ScalingState, change: Extract<ScalingChange, { platform: 'cloud-run' }>): boolean {
  const now = (change.level === 'service' ? state.service : state.template) ?? {};
  return (change.min === undefined || now.min === change.min) && (change.max === undefined || now.max === change.max);
}

/**
 * Checks the service as read right after a write: `wrong` names what is not as written, and a generation more
 * than one past the one the write was based on means another write landed in between (the etag did not stop it).
 */
export function checkWrite(target: string, before: RunService, after: RunService, wrong: string | undefined): void {
  if (wrong !== undefined) {
    throw new ConcurrentChangeError(`${target}: after the change ${wrong}: another writer changed the service`, {
      traffic: describeTraffic(after),
    });
  }
  const from = Number(before.generation);
  const to = Number(after.generation);
  if (Number.isInteger(from) && Number.isInteger(to) && to > from + 1) {
    throw new ConcurrentChangeError(
      `another change to ${target} landed around this one (generation ${from} → ${to}); this change is in place but may have replaced it: check the service`,
      { from, to, traffic: describeTraffic(after) },
    );
  }
}
