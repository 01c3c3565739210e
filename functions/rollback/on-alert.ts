import type { ServicePlatform, ServiceStatus } from '../../shared/adapters/platforms/index.js';
import { errorMessage } from '../../shared/core/errors/index.js';
import type { Alert } from '../../shared/core/events/index.js';
import { findPolicy, policyName, resolveService } from '../../shared/core/policy/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import { actAndVerify, decisionPolicy } from './act-and-verify.js';
import { blamedRevision, type ChainMark, decide } from './decide.js';
import type { RollbackDeps } from './deps.js';
import { describeReading, readErrorRate } from './evidence.js';
import { decisionMessage, incidentKey, type MessageSubject, resolvedMessage } from './messages.js';
import { findPrevious } from './previous.js';
import { type PinRecord, RollbackKeys } from './state-keys.js';

async function readState<T>(ctx: Context, key: string): Promise<T | undefined> {
  if (!ctx.stateAvailable) return undefined;
  try {
    return await ctx.state.get<T>(key);
  } catch (error) {
    ctx.log.warn('state read failed; going on without it', { key, error: errorMessage(error) });
    return undefined;
  }
}

/** Handles one alert: match a policy, confirm from metrics, blame the deploy, pick a target, act, verify. */
export async function onAlert(ctx: Context, alert: Alert, deps: RollbackDeps): Promise<RunResult> {
  const policies = ctx.config.rollback?.policies ?? [];
  const policy = findPolicy(policies, alert);
  if (!policy) return { outcome: 'skipped', summary: `no rollback policy matches alert "${alert.name}"` };
  const incident = `${alert.source}:${alert.fingerprint}:${alert.startedAt}`;
  const ref = resolveService(ctx.config.services, policy, alert.labels);
  if ('error' in ref) {
    const text = `${policyName('rollback', policies, policy)}: ${ref.error}`;
    if (alert.state === 'resolved') {
      // The page its firing sent is resolved under the key it carried.
      await ctx.notify({
        severity: 'info',
        title: `rollback: ${alert.name} resolved`,
        text,
        dedupKey: incident,
        resolve: true,
      });
      return { outcome: 'skipped', summary: `alert ${alert.name} resolved: ${text}` };
    }
    await ctx.notify({ severity: 'critical', title: `rollback cannot act on ${alert.name}`, text, dedupKey: incident });
    return { outcome: 'fail', summary: text };
  }
  const subject: MessageSubject = {
    service: ref.key,
    platform: ref.service.platform,
    incident,
    ...(alert.url ? { url: alert.url } : {}),
  };
  if (alert.state === 'resolved') {
    const pin = await readState<PinRecord>(ctx, RollbackKeys.pin(ref.key));
    await ctx.notify(resolvedMessage(subject, alert.name, pin?.revision));
    return { outcome: 'ok', summary: `alert ${alert.name} resolved for ${ref.key}: recorded, no action` };
  }

  // State reads overlap the platform read: both are needed, neither depends on the other.
  const marks = Promise.all([
    readState<string[]>(ctx, RollbackKeys.bad(ref.key)),
    readState<ChainMark>(ctx, RollbackKeys.chain(ref.key)),
    readState<PinRecord>(ctx, RollbackKeys.pin(ref.key)),
  ]);
  let status: ServiceStatus;
  let platform: ServicePlatform;
  try {
    platform = await deps.platform(ref, ctx);
    status = await platform.status();
  } catch (error) {
    // The alert stays unhandled: people must know, and the sender retries on the 5xx that follows.
    const text = `could not read ${ref.key}, nothing changed: ${errorMessage(error)}`;
    // Under the incident's key, which the alert's resolve carries too (resolvedMessage): the page closes with it.
    await ctx.notify({
      severity: 'critical',
      title: `rollback ${ref.key}: platform unreachable`,
      text,
      dedupKey: incidentKey(subject),
    });
    throw error;
  }
  const metrics = deps.metrics(ref, policy, ctx);
  const [badMarks, chain, pin] = await marks;
  const bad = badMarks ?? [];
  const alertRevision = alert.labels.revision_name;
  const blamed = status.revisions.find((r) => r.name === blamedRevision(status, alertRevision));
  const windowMs = policy.errorRate.window;
  const [current, { previous, unproven }] = await Promise.all([
    readErrorRate(metrics, {
      end: ctx.now(),
      windowMs,
      signal: ctx.signal,
      ...(blamed ? { revision: blamed.name, from: new Date(blamed.createdAt) } : {}),
    }),
    findPrevious(metrics, status, bad, blamed, { windowMs, signal: ctx.signal }),
  ]);
  const rules = decisionPolicy(policy);
  const decision = decide({
    policy: rules,
    status,
    current,
    bad,
    unproven,
    now: ctx.now(),
    ...(previous ? { previous } : {}),
    ...(chain ? { chain } : {}),
    ...(alertRevision ? { alertRevision } : {}),
  });
  const evidence = {
    incident,
    policy: policyName('rollback', policies, policy),
    metrics: metrics?.kind ?? 'none',
    serving: status.serving,
    traffic: status.traffic,
    current: describeReading(current),
    previous: describeReading(previous),
    bad,
    unproven,
    verdict: decision.verdict,
  };
  ctx.log.audit({
    decision: 'decided',
    target: ref.key,
    reason: `${decision.kind} (${decision.verdict}): ${decision.reasons.join('; ')}`,
    evidence,
  });
  if (decision.kind !== 'rollback') {
    await ctx.notify(decisionMessage(subject, decision, pin?.revision));
    const item = { service: ref.key, decision: decision.kind, verdict: decision.verdict, reasons: decision.reasons };
    const summary = `${ref.key}: ${decision.kind === 'page' ? 'paged, no rollback' : 'no action'} (${decision.verdict})`;
    return { outcome: decision.kind === 'page' ? 'warn' : 'ok', summary, items: [{ ...item, evidence }] };
  }
  return actAndVerify(ctx, deps, platform, metrics, {
    subject,
    from: decision.from,
    to: decision.to,
    reasons: decision.reasons,
    evidence,
    policy: rules,
    settleMs: policy.settle,
    cooldownMs: policy.cooldown,
    chainTtlMs: Math.max(policy.recentDeploy, policy.cooldown),
  });
}
