import type { MetricsSource } from '../../shared/adapters/metrics/index.js';
import type { RevisionInfo, ServiceStatus } from '../../shared/adapters/platforms/index.js';
import { chooseTarget, type Reading } from './decide.js';
import { readErrorRate } from './evidence.js';

/** Earlier revisions checked for traffic before the deploy; bounds the reads an alert costs. */
const MAX_CANDIDATES = 3;

/** The previous revision's evidence: its reading before the deploy, and newer candidates that served nothing then. */
export interface PreviousEvidence {
  previous?: Reading;
  /** Ready revisions skipped because they got no requests in the window before the deploy (never served). */
  unproven: string[];
}

/**
 * Finds the revision that served just before `blamed` was deployed: walks the rollback candidates newest
 * first and keeps the first with requests in the window ending at the deploy (a Cloud Run revision deployed
 * without traffic has none). A metrics error stops the walk at that candidate; when none served (a quiet
 * service) the newest candidate stays the target, as before.
 */
export async function findPrevious(
  metrics: MetricsSource | undefined,
  status: ServiceStatus,
  bad: readonly string[],
  blamed: RevisionInfo | undefined,
  query: { windowMs: number; signal?: AbortSignal },
): Promise<PreviousEvidence> {
  if (!blamed) return { unproven: [] };
  const end = new Date(blamed.createdAt);
  const skipped: string[] = [];
  let newest: Reading | undefined;
  for (let i = 0; i < MAX_CANDIDATES; i++) {
    const candidate = chooseTarget(status, [...bad, ...skipped], blamed.name);
    if (!candidate) break;
    const reading = await readErrorRate(metrics, { ...query, revision: candidate.name, end });
    newest ??= reading;
    if (reading.error !== undefined || reading.sample !== undefined) return { previous: reading, unproven: skipped };
    skipped.push(candidate.name);
  }
  return newest ? { previous: newest, unproven: [] } : { unproven: [] };
}
