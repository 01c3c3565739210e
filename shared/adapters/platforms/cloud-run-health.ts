import type { RunService } from '../google/index.js';
import { shortRevision } from './cloud-run-parse.js';
import type { PlatformHealth } from './service-platform.js';

/**
 * Whether all traffic follows the latest ready revision (one LATEST entry, or no traffic list at all), so a
 * new revision gets the traffic; a pinned service keeps serving its pinned revision whatever is deployed.
 */
export function followsLatest(service: RunService): boolean {
  const entries = service.trafficStatuses?.length ? service.trafficStatuses : (service.traffic ?? []);
  if (entries.length === 0) return true;
  const positive = entries.filter((t) => (t.percent ?? 0) > 0);
  return (
    positive.length > 0 &&
    positive.every((t) => t.type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST' || (t.type as unknown) === 1)
  );
}

/** Builds the port's health view of a Cloud Run service from its v2 Service resource. */
export function toCloudRunHealth(service: RunService): PlatformHealth {
  const terminal = service.terminalCondition;
  const ready = terminal?.type === 'Ready' && terminal.state === 'CONDITION_SUCCEEDED' && service.reconciling !== true;
  const latestReady = service.latestReadyRevision ? shortRevision(service.latestReadyRevision) : undefined;
  const latestCreated = service.latestCreatedRevision ? shortRevision(service.latestCreatedRevision) : undefined;
  const why = terminal?.message || (service.reconciling ? 'reconciling' : terminal?.state) || undefined;
  return {
    platform: 'cloud-run',
    target: service.name ?? '',
    ready,
    ...(ready || !why ? {} : { message: why }),
    ...(latestCreated ? { latestCreated } : {}),
    ...(latestReady ? { latestReady } : {}),
    followsLatest: followsLatest(service),
  };
}
