import { entryOf } from '../../shared/core/config/index.js';
import { BadInputError, NotFoundError } from '../../shared/core/errors/index.js';
import { policyFor } from '../../shared/core/policy/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import { actAndVerify, decisionPolicy, MANUAL_DEFAULTS } from './act-and-verify.js';
import { chooseTarget, type DecisionPolicy } from './decide.js';
import type { RollbackDeps } from './deps.js';
import type { RollbackInput } from './input.js';
import { findPrevious } from './previous.js';
import { releasePin } from './release-pin.js';
import { RollbackKeys } from './state-keys.js';

// Used only to judge verification when a manual rollback names a service without a policy.
const NO_POLICY: DecisionPolicy = {
  threshold: { kind: 'ratio', ratio: 0.05 },
  minRequests: 0,
  recentDeployMs: 0,
  onInconclusive: 'hold',
};

/** Handles a manual request: a person chose to roll back (optionally to a named revision) or to release a pin. */
export async function onManual(ctx: Context, input: RollbackInput, deps: RollbackDeps): Promise<RunResult> {
  if (input.action === 'release-pin') return releasePin(ctx, input.service, deps);
  const service = entryOf(ctx.config.services, input.service);
  if (!service) throw new NotFoundError(`unknown service "${input.service}" (not in the estate's services)`);
  const ref = { key: input.service, service };
  const policy = policyFor('rollback', ctx.config.rollback?.policies ?? [], input.service);
  const platform = await deps.platform(ref, ctx);
  const status = await platform.status();
  const from = status.serving;
  if (from === undefined) throw new BadInputError(`${input.service}: nothing serves, nothing to roll back from`);
  const bad = ctx.stateAvailable ? ((await ctx.state.get<string[]>(RollbackKeys.bad(input.service))) ?? []) : [];
  const named = input.toRevision;
  const metrics = deps.metrics(ref, policy, ctx);
  // As on an alert: an earlier revision the metrics show never served before the current one (deployed with
  // no traffic) is passed over, so "roll back" means the revision that served before.
  const unproven =
    named || !policy
      ? []
      : (
          await findPrevious(
            metrics,
            status,
            bad,
            status.revisions.find((r) => r.name === from),
            { windowMs: policy.errorRate.window, signal: ctx.signal },
          )
        ).unproven;
  const target = named ? status.revisions.find((r) => r.name === named) : chooseTarget(status, [...bad, ...unproven]);
  if (!target) {
    throw new BadInputError(
      named
        ? `${input.service} has no revision "${named}" (known: ${status.revisions.map((r) => r.name).join(', ')})`
        : `${input.service}: no earlier Ready revision that is not marked bad`,
    );
  }
  if (!target.ready) throw new BadInputError(`${input.service}: revision ${target.name} is not Ready`);
  if (target.name === from && status.traffic.length === 1) {
    return { outcome: 'skipped', summary: `${input.service} already serves ${from} only` };
  }
  const caller = ctx.trigger.kind === 'manual' ? (ctx.trigger.caller ?? 'unknown') : 'unknown';
  const reasons = [`manual rollback by ${caller}: ${input.reason}`];
  if (bad.includes(target.name)) reasons.push(`${target.name} is marked bad by an earlier rollback; chosen explicitly`);
  const timing = policy
    ? {
        settleMs: policy.settle,
        cooldownMs: policy.cooldown,
        chainTtlMs: Math.max(policy.recentDeploy, policy.cooldown),
      }
    : MANUAL_DEFAULTS;
  if (unproven.length > 0) reasons.push(`passed over ${unproven.join(', ')}: no traffic before ${from} was deployed`);
  return actAndVerify(ctx, deps, platform, metrics, {
    subject: { service: input.service, platform: service.platform, incident: ctx.trigger.id },
    from,
    to: target.name,
    reasons,
    evidence: { manual: true, caller, reason: input.reason, serving: from, traffic: status.traffic },
    policy: policy ? decisionPolicy(policy) : NO_POLICY,
    ...timing,
  });
}
