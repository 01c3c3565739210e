import { formatDuration } from '../../shared/core/config/index.js';
import { errorMessage } from '../../shared/core/errors/index.js';
import type { Context } from '../../shared/core/run/index.js';
import type { CheckEntry, HealthCheck, HealthConfig } from './config.js';
import type { CheckMemory } from './decide.js';
import type { HealthSweepDeps } from './deps.js';
import type { SweepMemory } from './memory.js';
import { decideRemedy, type RemedyDecision, type RemedyMemory, remedyIncident } from './remedy.js';
import { runBounded } from './run-bounded.js';
import { HealthKeys } from './state-keys.js';
import type { CheckRun } from './sweep-types.js';

/** What remediation did for one service, as the envelope reports it. */
export interface RemedyItem {
  service: string;
  decision: 'restart' | 'hold';
  status: 'verified' | 'still-failing' | 'dry-run' | 'refused' | 'failed' | 'paged';
  summary: string;
  reasons: string[];
}

type Restart = Extract<RemedyDecision, { kind: 'restart' }>;

function known(entry: CheckEntry): entry is HealthCheck {
  return entry.kind !== 'invalid';
}

/** Re-runs the service's failing checks every `verifyInterval` until they pass or `verifyWithin` is spent. */
async function verify(
  ctx: Context,
  deps: HealthSweepDeps,
  health: HealthConfig,
  checks: readonly HealthCheck[],
  memories: ReadonlyMap<string, CheckMemory>,
): Promise<{ healed: boolean; detail: string; unverified?: true }> {
  const within = Math.max(...checks.map((c) => c.remediate?.verifyWithin ?? 0));
  const attempts = Math.max(1, Math.floor(within / health.verifyInterval));
  let detail = 'not re-checked';
  for (let i = 0; i < attempts; i++) {
    try {
      await deps.sleep(health.verifyInterval, ctx.signal);
    } catch {
      return { healed: false, detail: 'the run ended before the re-check', unverified: true };
    }
    const results = await runBounded(ctx, deps, health, checks, memories);
    const failing = results.map((r, j) => ({ r, c: checks[j] })).filter((x) => x.r.status === 'fail');
    if (failing.length === 0) return { healed: true, detail: `every check passes again after ${i + 1} re-check(s)` };
    detail = failing.map((x) => `${x.c?.name}: ${x.r.detail}`).join('; ');
  }
  return { healed: false, detail };
}

async function restart(
  ctx: Context,
  deps: HealthSweepDeps,
  memory: SweepMemory,
  health: HealthConfig,
  service: string,
  decision: Restart,
  failing: readonly HealthCheck[],
  memories: ReadonlyMap<string, CheckMemory>,
): Promise<RemedyItem> {
  const key = HealthKeys.remedy(service);
  const past = await memory.get<RemedyMemory>(key);
  const episode = past?.episode ?? ctx.now().toISOString();
  const dedupKey = remedyIncident(service, episode);
  const triggering = failing.filter((c) => decision.checks.includes(c.name));
  const cooldownMs = Math.max(...triggering.map((c) => c.remediate?.cooldown ?? 0));
  const at = ctx.now();
  const ref = {
    key: service,
    service: ctx.config.services[service] as NonNullable<(typeof ctx.config.services)[string]>,
  };
  const base = { service, decision: 'restart' as const, reasons: decision.reasons };
  ctx.log.audit({ decision: 'decided', action: 'restart', target: service, reason: decision.reasons.join('; ') });
  let outcome: Awaited<ReturnType<Context['act']>>;
  try {
    outcome = await ctx.act(
      'restart',
      service,
      async () => (await deps.platform(ref, ctx)).restart({ at, signal: ctx.signal }),
      {
        cooldownMs,
        evidence: { checks: decision.checks, reasons: decision.reasons },
        change: { restart: { at: at.toISOString() } },
      },
    );
  } catch (error) {
    await memory.put(key, { episode, restartedAt: at.toISOString(), escalated: true } satisfies RemedyMemory);
    const text = `${decision.reasons.join('; ')}. The restart failed: ${errorMessage(error)}`;
    await ctx.notify({ severity: 'critical', title: `${service}: restart failed`, text, dedupKey });
    return { ...base, status: 'failed', summary: `restart of ${service} failed: ${errorMessage(error)}` };
  }
  if (outcome.status === 'dry-run') return { ...base, status: 'dry-run', summary: `dry-run: would restart ${service}` };
  if (outcome.status === 'refused') {
    // A held lock or a fresh cooldown means a restart is already in hand; any other refusal leaves it to people,
    // paged once per guard: the next sweeps ask again (a freeze ends) without paging again.
    if (outcome.by !== 'lock' && outcome.by !== 'cooldown' && past?.blockedBy !== outcome.by) {
      await ctx.notify({
        severity: 'critical',
        title: `${service}: restart blocked by ${outcome.by}`,
        text: `${decision.reasons.join('; ')}. Not restarted: ${outcome.reason}.`,
        dedupKey,
      });
      await memory.put(key, { ...past, episode, blockedBy: outcome.by } satisfies RemedyMemory);
    }
    return { ...base, status: 'refused', summary: `restart of ${service} refused by ${outcome.by}: ${outcome.reason}` };
  }
  await memory.put(key, { episode, restartedAt: at.toISOString() } satisfies RemedyMemory);
  const check = await verify(ctx, deps, health, failing, memories);
  if (check.healed) {
    await ctx.notify({
      severity: 'info',
      title: `${service} restarted; its checks pass again`,
      text: `${decision.reasons.join('; ')}. Restarted at ${at.toISOString()}: ${check.detail}.`,
    });
    return { ...base, status: 'verified', summary: `restarted ${service}: ${check.detail}` };
  }
  await memory.put(key, { episode, restartedAt: at.toISOString(), escalated: true } satisfies RemedyMemory);
  const within = formatDuration(Math.max(...triggering.map((c) => c.remediate?.verifyWithin ?? 0)));
  // Cut off before a re-check (the run's limits.timeout came first): not known to be failing, and not known to be
  // healed either, so it is left to people all the same, saying which.
  await ctx.notify({
    severity: 'critical',
    title: check.unverified
      ? `${service} restarted, not re-checked before the run ended`
      : `${service} still failing ${within} after a restart`,
    text: check.unverified
      ? `${decision.reasons.join('; ')}. Restarted at ${at.toISOString()}; the run ended before its checks ran again, so whether it healed is not known. No further automatic restart until it recovers: look at it.`
      : `${decision.reasons.join('; ')}. Restarted at ${at.toISOString()}, still failing: ${check.detail}. No further restart until it recovers.`,
    dedupKey,
  });
  return check.unverified
    ? {
        ...base,
        status: 'still-failing',
        summary: `restarted ${service}, not re-checked before the run ended: escalated`,
      }
    : { ...base, status: 'still-failing', summary: `restarted ${service}, still failing: escalated` };
}

/**
 * A service healthy again: the pages remediation sent about its failure (a restart that failed or did not heal
 * it, one a guard blocked, a hold for a down dependency) are resolved, then its memory is forgotten; kept while
 * no channel heard the resolve, so the next sweep sends it again.
 */
async function recovered(ctx: Context, memory: SweepMemory, service: string, past: RemedyMemory): Promise<void> {
  const paged = past.escalated || past.blockedBy !== undefined || past.heldAt !== undefined;
  if (paged && past.episode) {
    const deliveries = await ctx.notify({
      severity: 'info',
      title: `${service}: healthy again`,
      text: `Every check of ${service} passes; the remediation pages since ${past.episode} are resolved.`,
      dedupKey: remedyIncident(service, past.episode),
      resolve: true,
    });
    if (deliveries.length > 0 && !deliveries.some((d) => d.ok)) return;
  }
  await memory.delete(HealthKeys.remedy(service));
}

/**
 * For every service whose checks ran: forgets past restarts once it is healthy, and otherwise restarts it
 * (through the guard, then re-checks) or pages instead when a dependency is down, as {@link decideRemedy} says.
 */
export async function remediateServices(
  ctx: Context,
  deps: HealthSweepDeps,
  memory: SweepMemory,
  health: HealthConfig,
  runs: readonly CheckRun[],
  memories: ReadonlyMap<string, CheckMemory>,
): Promise<RemedyItem[]> {
  const items: RemedyItem[] = [];
  const services = [...new Set(runs.map((r) => r.entry.service).filter((s): s is string => s !== undefined))];
  for (const service of services) {
    const members = health.checks.filter((e) => e.service === service).filter(known);
    const serviceRuns = runs.filter((r) => r.entry.service === service && known(r.entry));
    const opted = members.some((c) => c.remediate) || serviceRuns.some((r) => r.result.downDependencies?.length);
    if (!opted || !ctx.config.services[service]) continue;
    const key = HealthKeys.remedy(service);
    const past = await memory.get<RemedyMemory>(key);
    if (members.every((c) => memories.get(c.name)?.status !== 'fail')) {
      if (past) await recovered(ctx, memory, service, past);
      continue;
    }
    const decision = decideRemedy(
      serviceRuns.map((r) => ({
        check: r.entry.name,
        status: r.result.status,
        failures: r.memory.failures,
        ...(known(r.entry) && r.entry.remediate ? { after: r.entry.remediate.after } : {}),
        downDependencies: r.result.downDependencies ?? [],
      })),
      past,
    );
    if (decision.kind === 'none') continue;
    if (decision.kind === 'hold') {
      const episode = past?.episode ?? ctx.now().toISOString();
      await memory.put(key, { ...past, episode, heldAt: ctx.now().toISOString() } satisfies RemedyMemory);
      ctx.log.audit({
        decision: 'decided',
        action: 'restart',
        target: service,
        reason: `hold: ${decision.reasons.join('; ')}`,
      });
      await ctx.notify({
        severity: 'critical',
        title: `${service}: not restarting, a dependency is down`,
        text: `${decision.reasons.join('; ')}. Failing: ${decision.checks.join(', ')}.`,
        dedupKey: remedyIncident(service, episode),
      });
      items.push({
        service,
        decision: 'hold',
        status: 'paged',
        summary: `${service}: paged, not restarted (dependency down)`,
        reasons: decision.reasons,
      });
      continue;
    }
    const failing = members.filter((c) => memories.get(c.name)?.status === 'fail');
    items.push(await restart(ctx, deps, memory, health, service, decision, failing, memories));
  }
  return items;
}
