import type { RunTraffic } from './cloud-run-types.js';

/** The short revision name from a short or full (`projects/…/revisions/x`) name. */
export function shortRevision(name: string): string {
  const at = name.lastIndexOf('/revisions/');
  return at === -1 ? name : name.slice(at + '/revisions/'.length);
}

/** Resolves a traffic list (LATEST entries become the latest ready revision) into per-revision shares. */
export function trafficShares(
  entries: readonly RunTraffic[],
  latestReady: string | undefined,
): { revision: string; percent: number }[] {
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
