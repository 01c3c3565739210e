import { errorMessage } from '../../shared/core/errors/index.js';
import type { Notification } from '../../shared/core/notify/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import type { CertItem, CertProblem } from './types.js';

/**
 * The incidents findings join: certificates critical or warning, and `probe` for endpoints the checker could not
 * probe (a resolver failure, a refused connection, the run's deadline): the checker's own trouble, a warning apart
 * from the certificates' incidents, so it neither pages as a certificate problem nor keeps one open.
 */
export type Incident = 'critical' | 'warning' | 'probe';
const INCIDENTS: readonly Incident[] = ['critical', 'warning', 'probe'];

/** One problem of one endpoint, over all the addresses that show it. */
export interface Finding {
  endpoint: string;
  problem: CertProblem;
  severity: 'critical' | 'warning';
  incident: Incident;
  addresses: string[];
  detail: string;
}

const CLAIM_TTL_MS = 36 * 3_600_000;

/** The run's outcome and one-line summary: any critical or error fails it, any warn warns. */
export function summarize(items: CertItem[]): Pick<RunResult, 'outcome' | 'summary'> {
  const count = (status: CertItem['status']) => items.filter((i) => i.status === status).length;
  const endpoints = new Set(items.map((i) => i.endpoint)).size;
  const counts = `${count('ok')} ok, ${count('warn')} warn, ${count('critical')} critical, ${count('error')} error`;
  const soonest = items
    .filter((i) => i.daysLeft !== null)
    .reduce<CertItem | undefined>((a, b) => (a === undefined || b.daysLeft! < a.daysLeft! ? b : a), undefined);
  const tail = soonest ? `; soonest expiry ${soonest.endpoint} in ${soonest.daysLeft} days` : '';
  const outcome = count('critical') + count('error') > 0 ? 'fail' : count('warn') > 0 ? 'warn' : 'ok';
  return { outcome, summary: `${items.length} addresses of ${endpoints} endpoints: ${counts}${tail}` };
}

function describe(item: CertItem, problem: CertProblem): string {
  if (item.status === 'error') return item.error ?? problem;
  if (problem === 'not-yet-valid') return `valid only from ${item.notBefore}`;
  if (problem === 'self-signed') return `${item.subject} signs itself`;
  if (problem === 'inconsistent') return `${item.address} serves ${item.fingerprint?.slice(0, 23)}…`;
  if (problem === 'chain-expiring') return `chain certificate ends ${item.chainNotAfter}`;
  if (problem === 'hostname-mismatch') return `certificate for ${item.sans.join(' ') || item.subject}`;
  if (problem === 'untrusted' && item.authorizationError) return item.authorizationError;
  if (problem === 'weak-key') return `${item.keyType} ${item.keyBits} bits`;
  if (problem === 'weak-signature') return item.signature ?? problem;
  if (problem === 'old-protocol') return item.protocol ?? problem;
  return `${item.daysLeft} days left, notAfter ${item.notAfter}`;
}

/** Collapses items into one finding per endpoint and problem, at the worst level any address shows. */
export function findingsOf(items: CertItem[]): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const item of items) {
    if (item.status === 'ok') continue;
    const severity = item.status === 'critical' ? 'critical' : 'warning';
    const incident: Incident = item.status === 'error' ? 'probe' : severity;
    for (const problem of item.problems) {
      const key = `${item.endpoint}\n${problem}`;
      const found = byKey.get(key);
      const address = item.address ?? '-';
      if (!found) {
        byKey.set(key, {
          endpoint: item.endpoint,
          problem,
          severity,
          incident,
          addresses: [address],
          detail: describe(item, problem),
        });
        continue;
      }
      found.addresses.push(address);
      // Which address serves which certificate is the whole point of this finding.
      if (problem === 'inconsistent') found.detail += `, ${describe(item, problem)}`;
      if (severity === 'critical' && found.incident !== 'probe') {
        found.severity = 'critical';
        found.incident = 'critical';
      }
    }
  }
  return [...byKey.values()];
}

/** The dedupKey of an open incident: each day's report joins it, and a clean run resolves it. */
export const incidentKey = (incident: Incident) => `certExpiry:${incident}`;

/** Where the state store remembers that an incident is open (so a clean run resolves it). */
const openKey = (incident: Incident) => `certExpiry:open:${incident}`;
const OPEN_TTL_MS = 90 * 86_400_000;

/** The prefix of a day's claims of one incident: dropped when the incident is resolved, so a return notifies. */
const claimPrefix = (day: string, incident: Incident) => `certExpiry:notified:${day}:${incident}:`;

/**
 * The claim key that makes a finding notify once per endpoint, problem, incident and day: a finding that turns
 * critical the same day is told again, in the critical incident.
 */
export function claimKey(finding: Finding, day: string): string {
  return `${claimPrefix(day, finding.incident)}${finding.endpoint}:${finding.problem}`;
}

const plural = (n: number) => `${n} endpoint${n === 1 ? '' : 's'}`;

/** One message for every finding of an incident, naming each endpoint. */
export function buildNotification(incident: Incident, findings: Finding[], note?: string): Notification {
  const lines = findings.map((f) => `- ${f.endpoint} (${f.addresses.join(', ')}): ${f.problem}: ${f.detail}`);
  const endpoints = new Set(findings.map((f) => f.endpoint)).size;
  return {
    severity: incident === 'probe' ? 'warning' : incident,
    title:
      incident === 'probe'
        ? `certExpiry: could not probe ${plural(endpoints)}`
        : `certExpiry: ${plural(endpoints)} ${incident}`,
    text: [...lines, ...(note ? ['', note] : [])].join('\n'),
    // One incident each (PagerDuty groups by it) that the first clean full run resolves.
    dedupKey: incidentKey(incident),
    fields: { endpoints, findings: findings.length },
    function: 'certExpiry',
  };
}

/** What notifying did: messages delivered to at least one channel, and findings already told today. */
export interface NotifyReport {
  sent: number;
  suppressed: number;
  /** Incidents a clean full run resolved. */
  resolved?: number;
  stateNote?: string;
}

/**
 * Sends one message per severity with the findings not yet told today. Claims are taken before sending
 * and given back when every channel failed, so a later run retries; without state it notifies and says so.
 */
export async function notifyFindings(
  ctx: Pick<Context, 'state' | 'stateAvailable' | 'notify' | 'now'>,
  items: CertItem[],
  options: { complete?: boolean } = {},
): Promise<NotifyReport> {
  const day = ctx.now().toISOString().slice(0, 10);
  const fresh: { finding: Finding; key?: string }[] = [];
  let suppressed = 0;
  let stateNote = ctx.stateAvailable ? undefined : 'State store unavailable: repeats of today are not suppressed.';
  const findings = findingsOf(items);
  for (const finding of findings) {
    if (stateNote) {
      fresh.push({ finding });
      continue;
    }
    const key = claimKey(finding, day);
    try {
      const claim = await ctx.state.claim(key, CLAIM_TTL_MS);
      if (claim.claimed) fresh.push({ finding, key });
      else suppressed++;
    } catch (error) {
      stateNote = `State store failed (${errorMessage(error)}): repeats of today are not suppressed.`;
      fresh.push({ finding });
    }
  }
  let sent = 0;
  for (const incident of INCIDENTS) {
    const group = fresh.filter((f) => f.finding.incident === incident);
    if (group.length === 0) continue;
    const notification = buildNotification(
      incident,
      group.map((g) => g.finding),
      stateNote,
    );
    const deliveries = await ctx.notify(notification);
    if (deliveries.some((d) => d.ok)) {
      sent++;
      if (!stateNote) await ctx.state.put(openKey(incident), day, OPEN_TTL_MS).catch(() => undefined);
    }
    if (deliveries.length > 0 && deliveries.every((d) => !d.ok)) {
      // A failed unclaim only delays the retry to tomorrow's key, so it must not hide the delivery report.
      for (const { key } of group) if (key) await ctx.state.unclaim(key).catch(() => undefined);
    }
  }
  // A run over every endpoint with nothing left of a severity resolves its open incident; one over some of
  // them (a request naming endpoints) cannot tell the others are clean.
  const resolved = options.complete && !stateNote ? await resolveCleared(ctx, findings, day) : 0;
  return { sent, suppressed, ...(resolved > 0 ? { resolved } : {}), ...(stateNote ? { stateNote } : {}) };
}

/**
 * Resolves each incident no finding has any more, and drops the day's claims of it, so a problem that comes back
 * the same day is told again; kept open when the resolve reached no one.
 */
async function resolveCleared(
  ctx: Pick<Context, 'state' | 'notify'>,
  findings: readonly Finding[],
  day: string,
): Promise<number> {
  let resolved = 0;
  for (const incident of INCIDENTS) {
    if (findings.some((f) => f.incident === incident)) continue;
    const since = await ctx.state.get<string>(openKey(incident)).catch(() => undefined);
    if (since === undefined) continue;
    const what = incident === 'probe' ? 'endpoint the checker could not probe' : `endpoint ${incident}`;
    const deliveries = await ctx.notify({
      severity: 'info',
      title: `certExpiry: no ${what} any more`,
      text: `Every endpoint checked is clear of ${incident === 'probe' ? 'probe failures' : `${incident} problems`}, open since ${since}.`,
      dedupKey: incidentKey(incident),
      resolve: true,
      function: 'certExpiry',
    });
    if (deliveries.length === 0 || deliveries.some((d) => d.ok)) {
      await ctx.state.delete(openKey(incident)).catch(() => undefined);
      const claims = await ctx.state.keys(claimPrefix(day, incident)).catch(() => [] as string[]);
      for (const claim of claims) await ctx.state.unclaim(claim).catch(() => undefined);
      resolved++;
    }
  }
  return resolved;
}
