import { createHash } from 'node:crypto';
import { summarizeZodIssues } from '../../core/config/index.js';
import {
  BadInputError,
  DependencyError,
  LockedError,
  type OpsError,
  RateLimitedError,
  toOpsError,
} from '../../core/errors/index.js';
import type { Trigger } from '../../core/events/index.js';
import type { ActionRecord } from '../../core/guard/index.js';
import type { FunctionDefinition, ResultEnvelope, RunResult } from '../../core/run/index.js';
import { boundEnvelope } from '../../core/run/index.js';
import type { Claim } from '../../core/state/index.js';
import { type ContextOptions, createContext } from './context.js';

/** Options of {@link runFunction}: a context's options. */
export type RunOptions = ContextOptions;

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
 * another's request, nor a different payload under a reused key.
 */
export function idempotencyKey(functionName: string, trigger: Trigger): string {
  if (trigger.kind !== 'manual') return `idem:${functionName}:${trigger.id}`;
  const scope = createHash('sha256')
    .update(JSON.stringify([trigger.caller ?? '', trigger.id, canonicalJson(trigger.payload)]))
    .digest('hex')
    .slice(0, 40);
  return `idem:${functionName}:manual:${scope}`;
}

/** How long an idempotency claim of a run in progress lives: the run's time limit plus a minute. */
export function claimTtl(timeoutMs: number): number {
  return timeoutMs + 60_000;
}

function validateInput<Input>(definition: FunctionDefinition<Input>, trigger: Trigger): Input | undefined {
  if (!definition.triggers.includes(trigger.kind)) {
    throw new BadInputError(
      `${definition.name} does not accept ${trigger.kind} triggers (accepts: ${definition.triggers.join(', ')})`,
    );
  }
  if (trigger.kind === 'alert') return undefined;
  const parsed = definition.input.safeParse(trigger.payload);
  if (!parsed.success) {
    throw new BadInputError(
      `invalid ${trigger.kind} payload for ${definition.name}: ${summarizeZodIssues(parsed.error)}`,
    );
  }
  return parsed.data;
}

/**
 * When every action of a run was refused by a guardrail that the caller should hear about, the
 * error that sets the reply status: 503 when state was down (retry later), 409 for a held lock,
 * 429 for a rate limit or an open breaker. Pause, freeze and cooldown are policy, not errors.
 */
function refusalError(actions: ActionRecord[]): OpsError | undefined {
  if (actions.length === 0 || actions.some((a) => a.status !== 'refused')) return undefined;
  const by = new Set(actions.map((a) => a.by));
  if (by.has('state-unavailable'))
    return new DependencyError('state store unavailable: mutation refused (fail closed)');
  if (by.has('lock')) return new LockedError(actions.find((a) => a.by === 'lock')?.reason ?? 'target locked');
  if (by.has('rate-limit') || by.has('breaker')) {
    return new RateLimitedError(
      actions.find((a) => a.by === 'rate-limit' || a.by === 'breaker')?.reason ?? 'rate limited',
    );
  }
  return undefined;
}

const OUTCOME_OF_ERROR: Record<OpsError['kind'], 'rejected' | 'skipped' | 'fail'> = {
  badInput: 'rejected',
  unauthorized: 'rejected',
  forbidden: 'rejected',
  notFound: 'rejected',
  tooLarge: 'rejected',
  locked: 'skipped',
  rateLimited: 'skipped',
  dependency: 'fail',
  internal: 'fail',
};

function withTimeout<T>(work: Promise<T>, ms: number, controller: AbortController, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DependencyError(`${what} did not finish within ${Math.round(ms / 1000)}s`);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs one function for one trigger: validate → claim idempotency → run (bounded by `limits.timeout`)
 * → envelope, with an audit record on receipt and on finish. Never throws: failures become the
 * envelope's `outcome` and `error`.
 */
export async function runFunction<Input>(
  definition: FunctionDefinition<Input>,
  trigger: Trigger,
  options: RunOptions,
): Promise<ResultEnvelope> {
  const controller = new AbortController();
  const outer = options.signal;
  if (outer) outer.addEventListener('abort', () => controller.abort(outer.reason), { once: true });
  const { ctx, log, actions, notifications, redactor } = createContext(definition.name, trigger, {
    ...options,
    signal: controller.signal,
  });
  const startedAt = ctx.now();
  const key = idempotencyKey(definition.name, trigger);

  // Every envelope leaves scrubbed of secrets and within bounds: it becomes a reply and an idempotency record.
  const envelope = (result: RunResult, error?: OpsError): ResultEnvelope =>
    boundEnvelope(build(result, error), (e) => redactor.scrubValue(e));
  const build = (result: RunResult, error?: OpsError): ResultEnvelope => ({
    function: definition.name,
    runId: ctx.runId,
    trigger: { kind: trigger.kind, id: trigger.id, ...(options.format ? { format: options.format } : {}) },
    dryRun: ctx.dryRun,
    startedAt: startedAt.toISOString(),
    finishedAt: ctx.now().toISOString(),
    ...result.extra,
    outcome: error ? OUTCOME_OF_ERROR[error.kind] : result.outcome,
    ...(result.accepted && !error ? { accepted: true } : {}),
    summary: result.summary,
    items: result.items ?? [],
    actions,
    notifications,
    ...(ctx.stateAvailable ? {} : { state: 'unavailable' as const }),
    ...(error
      ? { error: { kind: error.kind, status: error.status, message: error.message, retryable: error.retryable } }
      : {}),
  });

  log.audit({ decision: 'received', reason: `${trigger.kind} trigger ${trigger.id}` });

  let input: Input | undefined;
  try {
    input = validateInput(definition, trigger);
  } catch (thrown) {
    const error = toOpsError(thrown);
    log.audit({ decision: 'rejected', reason: error.message, outcome: 'rejected' });
    return envelope({ outcome: 'fail', summary: error.message }, error);
  }

  let claimed = false;
  if (ctx.stateAvailable) {
    let claim: Claim<ResultEnvelope>;
    try {
      claim = await ctx.state.claim<ResultEnvelope>(key, claimTtl(options.config.limits.timeout));
    } catch (thrown) {
      const error = toOpsError(thrown);
      log.audit({ decision: 'failed', reason: `idempotency claim failed: ${error.message}`, outcome: 'error' });
      return envelope({ outcome: 'fail', summary: `state store unavailable: ${error.message}` }, error);
    }
    if (!claim.claimed) {
      const reason =
        claim.state === 'running' ? 'a run for this event is in progress' : 'this event was already handled';
      log.audit({ decision: 'skipped', reason: `duplicate: ${reason}`, outcome: 'skipped' });
      if (claim.state === 'done') return { ...claim.outcome, duplicate: true };
      // Not acknowledged: the first run may have crashed, and its claim expires within claimTtl, so a
      // redelivery after that runs the event instead of losing it.
      const busy = new LockedError(`duplicate: ${reason}; redeliver later`);
      return envelope({ outcome: 'skipped', summary: busy.message, extra: { duplicate: true } }, busy);
    }
    claimed = true;
  } else {
    log.warn('state store unavailable: running without idempotency; mutations are refused');
  }

  let result: ResultEnvelope;
  try {
    const run = await withTimeout(
      definition.run(ctx, input),
      options.config.limits.timeout,
      controller,
      definition.name,
    );
    const refused = refusalError(actions);
    result = refused ? envelope({ ...run, outcome: 'fail' }, refused) : envelope(run);
  } catch (thrown) {
    const error = toOpsError(thrown);
    log.error(`${definition.name} failed: ${error.message}`, {
      error: { name: error.name, kind: error.kind, stack: error.stack },
    });
    result = envelope({ outcome: 'fail', summary: error.message }, error);
  }

  if (claimed) {
    try {
      const retryable = result.error?.retryable === true;
      if (retryable) await ctx.state.unclaim(key);
      else await ctx.state.complete(key, result, IDEMPOTENCY_TTL_MS);
    } catch (thrown) {
      log.warn('could not record the idempotency outcome; a redelivery may run again', {
        error: toOpsError(thrown).message,
      });
    }
  }
  log.audit({
    decision: 'finished',
    reason: result.summary,
    outcome: result.outcome,
    durationMs: Date.parse(result.finishedAt) - startedAt.getTime(),
    evidence: { actions: actions.length, items: result.items.length },
  });
  return result;
}
