import type { Logger } from '../../core/audit/index.js';
import type { Trigger } from '../../core/events/index.js';
import { type Caller, principalOf } from './auth.js';

/**
 * What a trigger that arrived over HTTP may claim, given who sent it. A scheduled trigger (a
 * Scheduler job, a Pub/Sub push, a continuation) stays scheduled only from a caller trusted to carry
 * them (`auth.oidc.scheduler`, Cloud Run IAM in platform mode); from anyone else it runs as a manual
 * trigger of that caller, under an id of its own so it can never take a real delivery's identity.
 * A manual trigger always carries its caller and the caller's account (`principal`), whatever it claimed.
 * Every demotion is audited.
 */
export function admitTrigger(functionName: string, trigger: Trigger, caller: Caller, log: Logger): Trigger {
  const who = { caller: caller.id, principal: principalOf(caller) };
  if (trigger.kind === 'manual') return { ...trigger, ...who };
  if (trigger.kind !== 'scheduled' || caller.scheduler) return trigger;
  log.audit({
    function: functionName,
    decision: 'decided',
    action: 'demote',
    target: trigger.job,
    reason: `${caller.id} may not send scheduled triggers: job ${trigger.job} runs as a manual trigger of ${caller.id}`,
    evidence: { claimed: { kind: trigger.kind, id: trigger.id, job: trigger.job }, caller: caller.id },
  });
  return { kind: 'manual', id: `manual:${trigger.id}`, payload: trigger.payload, ...who };
}
