import { createHash } from 'node:crypto';
import { LockedError, toOpsError } from '../../core/errors/index.js';
import type { Trigger } from '../../core/events/index.js';
import type { ResultEnvelope } from '../../core/run/index.js';
import type { Claim } from '../../core/state/index.js';
import type { RunStep } from './run-step.js';

/** How long a finished run's identity is remembered: Pub/Sub keeps undelivered messages up to 7 days. */
export const IDEMPOTENCY_TTL_MS = 7 * 86_400_000;

// Key order must not change the hash: {"a":1,"b":2} and {"b":2,"a":1} are one payload.
function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((k) => [k, canonicalJson(record[k])]),
  );
}

/**
 * The idempotency key of one trigger of one function. A delivery's id (Pub/Sub message, alert,
 * continuation) is its identity; a manual trigger's id is chosen by its caller (`Idempotency-Key`),
 * so its key is scoped by the caller and a hash of the payload: one caller cannot replay or block
 * another's request, nor a different payload under a reused key. A dry run has keys of its own: a
 * preview of an alert must not use up the one run the real delivery of that alert gets.
 */
export function idempotencyKey(functionName: string, trigger: Trigger, dryRun = false): string {
  const space = dryRun ? `idem:${functionName}:dry-run` : `idem:${functionName}`;
  if (trigger.kind !== 'manual') return `${space}:${trigger.id}`;
  const scope = createHash('sha256')
    .update(JSON.stringify([trigger.caller ?? '', trigger.id, canonicalJson(trigger.payload)]))
    .digest('hex')
    .slice(0, 40);
  return `${space}:manual:${scope}`;
}

/** How long an idempotency claim of a run in progress lives: the run's time limit plus a minute. */
export function claimTtl(timeoutMs: number): number {
  return timeoutMs + 60_000;
}

/**
 * The run step that makes a trigger run once: it claims the trigger's key before the function runs
 * (a duplicate gets the recorded envelope, or 409 while the first run is in progress) and records
 * the outcome after, or forgets the claim after a retryable failure so a redelivery runs again.
 * Taken only when the state store answered and the caller did not opt out.
 */
export const idempotencyStep: RunStep = {
  name: 'idempotency',
  when: (run) => run.ctx.stateAvailable && run.options.idempotency !== false,
  async before(run) {
    const { ctx, log } = run;
    let claim: Claim<ResultEnvelope>;
    try {
      const key = idempotencyKey(run.definition.name, run.trigger, run.ctx.dryRun);
      claim = await ctx.state.claim<ResultEnvelope>(key, claimTtl(ctx.config.limits.timeout));
    } catch (thrown) {
      const error = toOpsError(thrown);
      log.audit({ decision: 'failed', reason: `idempotency claim failed: ${error.message}`, outcome: 'error' });
      return run.envelope({ outcome: 'fail', summary: `state store unavailable: ${error.message}` }, error);
    }
    if (claim.claimed) return undefined;
    const reason = claim.state === 'running' ? 'a run for this event is in progress' : 'this event was already handled';
    log.audit({ decision: 'skipped', reason: `duplicate: ${reason}`, outcome: 'skipped' });
    if (run.definition.seenAgain && !ctx.dryRun) {
      await run.definition.seenAgain(ctx, run.input).catch((error: unknown) => {
        log.warn('a repeat of a handled event could not be noted', { error: toOpsError(error).message });
      });
    }
    if (claim.state === 'done') return { ...claim.outcome, duplicate: true };
    // Not acknowledged: the first run may have crashed, and its claim expires within claimTtl, so a
    // redelivery after that runs the event instead of losing it.
    const busy = new LockedError(`duplicate: ${reason}; redeliver later`);
    return run.envelope({ outcome: 'skipped', summary: busy.message, extra: { duplicate: true } }, busy);
  },
  async after(run, result) {
    const key = idempotencyKey(run.definition.name, run.trigger, run.ctx.dryRun);
    try {
      if (result.error?.retryable === true) await run.ctx.state.unclaim(key);
      else await run.ctx.state.complete(key, result, IDEMPOTENCY_TTL_MS);
    } catch (thrown) {
      run.log.warn('could not record the idempotency outcome; a redelivery may run again', {
        error: toOpsError(thrown).message,
      });
    }
  },
};
