import { type RunRevision, type RunService, shortRevision, trafficShares } from '../google/index.js';
import type { RevisionInfo, ServiceStatus, TrafficShare } from './service-platform.js';

export { shortRevision, trafficShares };

function revisionNumber(name: string): number | undefined {
  const m = /-(\d{5})-[a-z0-9]+$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

function toRevisionInfo(revision: RunRevision, shares: readonly TrafficShare[]): RevisionInfo | undefined {
  if (!revision.name || !revision.createTime) return undefined;
  const name = shortRevision(revision.name);
  const ready = (revision.conditions ?? []).some((c) => c.type === 'Ready' && c.state === 'CONDITION_SUCCEEDED');
  const image = revision.containers?.[0]?.image ?? undefined;
  const number = revisionNumber(name);
  return {
    name,
    createdAt: new Date(revision.createTime).toISOString(),
    ready,
    percent: shares.find((s) => s.revision === name)?.percent ?? 0,
    ...(number === undefined ? {} : { number }),
    ...(image ? { image } : {}),
  };
}

/** Builds the port's view of a Cloud Run service from its v2 Service and Revision resources. */
export function toServiceStatus(service: RunService, revisions: readonly RunRevision[]): ServiceStatus {
  const latestReady = service.latestReadyRevision ? shortRevision(service.latestReadyRevision) : undefined;
  // trafficStatuses is what serves now; traffic is only the request and may not be applied yet.
  const entries = service.trafficStatuses?.length ? service.trafficStatuses : (service.traffic ?? []);
  const traffic = entries.length
    ? trafficShares(entries, latestReady)
    : latestReady
      ? [{ revision: latestReady, percent: 100 }]
      : [];
  const infos = revisions
    .map((r) => toRevisionInfo(r, traffic))
    .filter((r): r is RevisionInfo => r !== undefined)
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (b.number ?? 0) - (a.number ?? 0));
  const terminal = service.terminalCondition;
  return {
    platform: 'cloud-run',
    target: service.name ?? '',
    ready: terminal?.type === 'Ready' && terminal.state === 'CONDITION_SUCCEEDED' && service.reconciling !== true,
    serving: traffic[0]?.revision,
    traffic,
    ...(latestReady ? { latestReady } : {}),
    revisions: infos,
  };
}
