import type { RunRevision, RunService, RunTraffic } from '../google/index.js';
import type { RevisionInfo, ServiceStatus, TrafficShare } from './service-platform.js';

/** The short revision name from a short or full (`projects/…/revisions/x`) name. */
export function shortRevision(name: string): string {
  const at = name.lastIndexOf('/revisions/');
  return at === -1 ? name : name.slice(at + '/revisions/'.length);
}

function revisionNumber(name: string): number | undefined {
  const m = /-(\d{5})-[a-z0-9]+$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Resolves a traffic list (LATEST entries become the latest ready revision) into per-revision shares. */
export function trafficShares(entries: readonly RunTraffic[], latestReady: string | undefined): TrafficShare[] {
  const byRevision = new Map<string, number>();
  for (const entry of entries) {
    const percent = entry.percent ?? 0;
    const latest = entry.type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST' || (entry.type as unknown) === 1;
    const revision = latest ? latestReady : entry.revision ? shortRevision(entry.revision) : undefined;
    if (revision === undefined || percent <= 0) continue;
    byRevision.set(revision, (byRevision.get(revision) ?? 0) + percent);
  }
  return [...byRevision].map(([revision, percent]) => ({ revision, percent })).sort((a, b) => b.percent - a.percent);
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
