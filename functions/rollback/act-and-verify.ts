import type { MetricsSource } from '../../shared/adapters/metrics/index.js';
import type { ServicePlatform } from '../../shared/adapters/platforms/index.js';
import { previewChange } from '../../shared/adapters/platforms/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import { applyRollback } from './apply.js';
import type { RollbackPolicy } from './config.js';
import { type DecisionPolicy, judge } from './decide.js';
import type { RollbackDeps } from './deps.js';
import { describeReading, readErrorRate } from './evidence.js';
import { blockedMessage, failedMessage, type MessageSubject, rolledBackMessage, verifiedMessage } from './messages.js';
import { RollbackKeys } from './state-keys.js';

/** A decided rollback, ready to run through the guard. */
export interface RollbackOrder {
  subject: MessageSubject;
  from: string;
  to: string;
  reasons: string[];
  evidence: Record<string, unknown>;
  policy: DecisionPolicy;
  settleMs: number;
  cooldownMs: number;
  chainTtlMs: number;
}

/** Default timings when a manual rollback names a service no policy covers. */
export const MANUAL_DEFAULTS = { settleMs: 3 * 60_000, cooldownMs: 30 * 60_000, chainTtlMs: 2 * 3_600_000 };

/** The decision-relevant fields of a policy. */
export function decisionPolicy(policy: RollbackPolicy): DecisionPolicy {
  return {
    threshold: policy.errorRate.threshold,
    minRequests: policy.errorRate.minRequests,
    recentDeployMs: policy.recentDeploy,
    onInconclusive: policy.onInconclusive,
  };
}

/**
 * Runs the rollback through `ctx.act` (lock, cooldown, breaker, dry-run), then waits `settle` and checks
 * the target's error rate: recovered → info, still failing → critical escalation; never a second rollback.
 */
export async function actAndVerify(
  ctx: Context,
  deps: RollbackDeps,
  platform: ServicePlatform,
  metrics: MetricsSource | undefined,
  order: RollbackOrder,
): Promise<RunResult> {
  const { subject, from, to } = order;
  const item: Record<string, unknown> = {
    service: subject.service,
    from,
    to,
    reasons: order.reasons,
    evidence: order.evidence,
  };
  const command = await previewChange(platform, { kind: 'route', revision: to });
  const attempt = { marked: false };
  const active = RollbackKeys.active(subject.service, ctx.runId);
  if (!ctx.dryRun) {
    await ctx.state
      .put(active, { incident: subject.incident, at: ctx.now().toISOString() }, ctx.config.guard.lockTtl)
      .catch(() => undefined);
  }
  const outcome = await ctx
    .act(
      'rollback',
      subject.service,
      () =>
        applyRollback(ctx, platform, {
          service: subject.service,
          from,
          to,
          incident: subject.incident,
          chainTtlMs: order.chainTtlMs,
          attempt,
        }),
      {
        cooldownMs: order.cooldownMs,
        evidence: order.evidence,
        change: { traffic: { from, to }, ...command },
        // Traffic moved by someone else first: nothing changed, so it is not audited done and starts no cooldown.
        unchanged: (result) => (result.moved ? undefined : result.reason),
      },
    )
    .catch(async (error: unknown) => {
      // A confirmed rollback that failed leaves the incident unhandled: page before the error ends the run.
      await ctx.notify(failedMessage(subject, from, to, error, order.reasons, attempt.marked));
      throw error;
    })
    .finally(() => ctx.state.delete(active).catch(() => undefined));
  if (outcome.status === 'dry-run') {
    const run = command.command ? ` by running ${command.command}` : '';
    return {
      outcome: 'ok',
      summary: `dry-run: would roll ${subject.service} back ${from} → ${to}${run}`,
      items: [item],
    };
  }
  if (outcome.status === 'refused') {
    const summary = `rollback of ${subject.service} refused by ${outcome.by}: ${outcome.reason}`;
    // A fresh cooldown, or the lock of a rollback under way, means another run owns this incident. The lock held
    // by another function's run (autoscale scaling the service, say) leaves it unhandled, as any other refusal.
    const owned =
      outcome.by === 'cooldown' ||
      (outcome.by === 'lock' &&
        (await ctx.state.keys(RollbackKeys.activePrefix(subject.service)).then(
          (keys) => keys.some((key) => key !== active),
          // Unreadable: a page too many beats a rollback dropped in silence.
          () => false,
        )));
    if (!owned) {
      const why =
        outcome.by === 'lock'
          ? `the lock on ${subject.service}, held by a run that is not a rollback of it (autoscale scaling it, a pin release, a restart); the next delivery of the alert decides again`
          : `${outcome.by}: ${outcome.reason}`;
      await ctx.notify(blockedMessage(subject, from, to, why, order.reasons));
    }
    return { outcome: 'skipped', summary, items: [{ ...item, refused: outcome.by }] };
  }
  if (!outcome.value.moved) {
    return { outcome: 'skipped', summary: outcome.value.reason, items: [{ ...item, moved: false }] };
  }
  await ctx.notify(rolledBackMessage(subject, from, to, order.reasons));
  if (outcome.value.stateError) item.stateError = outcome.value.stateError;
  if (outcome.value.platformError) item.platformError = outcome.value.platformError;

  // The settle window is read once the metrics show all of it: Cloud Monitoring shows a minute up to 180 s late,
  // and a window read sooner holds only what showed (often nothing: "recovery unverified" however it went).
  const lag = metrics?.visibleAfterMs ?? 0;
  await deps.sleep(order.settleMs + lag, ctx.signal);
  const windowMs = Math.max(order.settleMs, 1_000);
  const end = new Date(ctx.now().getTime() - lag);
  const reading = await readErrorRate(metrics, { revision: to, end, windowMs, signal: ctx.signal });
  const verdict = judge(reading, order.policy);
  ctx.log.audit({
    decision: 'decided',
    action: 'verify',
    target: subject.service,
    reason: `after ${Math.round(order.settleMs / 1000)}s on ${to}: ${verdict.reason}`,
    evidence: { reading: describeReading(reading), state: verdict.state },
  });
  await ctx.notify(verifiedMessage(subject, to, verdict.state, verdict.reason));
  const verification = { state: verdict.state, reason: verdict.reason, reading: describeReading(reading) };
  const done = `rolled ${subject.service} back ${from} → ${to}`;
  if (verdict.state === 'low') {
    return { outcome: 'ok', summary: `${done}; recovered`, items: [{ ...item, verification }] };
  }
  const tail = verdict.state === 'high' ? 'still failing: escalated' : 'recovery unverified';
  return { outcome: 'warn', summary: `${done}; ${tail}`, items: [{ ...item, verification }] };
}
