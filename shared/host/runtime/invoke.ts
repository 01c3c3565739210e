import { DependencyError, LockedError, type OpsError, RateLimitedError, toOpsError } from '../../core/errors/index.js';
import { describeTrigger, type Trigger } from '../../core/events/index.js';
import type { ActionRecord } from '../../core/guard/index.js';
import type { FunctionDefinition, ResultEnvelope, RunResult } from '../../core/run/index.js';
import { boundEnvelope } from '../../core/run/index.js';
import { createContext } from './context.js';
import { idempotencyStep } from './idempotency.js';
import { historyStep } from './run-history.js';
import { type Invocation, type RunStep, validateStep } from './run-step.js';
import { createServices, type RunOptions, type Services, type ServicesOptions } from './services.js';

/**
 * The steps of every run around the function, in order: validate the trigger, then claim its
 * idempotency key; once the function ran, its envelope joins the run history. Running the function
 * (bounded by `limits.timeout`) and making the envelope (scrubbed, bounded) are the runner's own.
 */
export const RUN_STEPS: readonly RunStep[] = [historyStep, validateStep, idempotencyStep];

/** Runs one trigger through one function with the services it was built with; never throws. */
export type Runner = <Input>(
  definition: FunctionDefinition<Input>,
  trigger: Trigger,
  options?: RunOptions,
) => Promise<ResultEnvelope>;

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

/** Runs the function itself, bounded by `limits.timeout`; its error, or every action refused, becomes the envelope's. */
async function runBounded<Input>(
  run: Invocation<Input>,
  controller: AbortController,
  actions: ActionRecord[],
): Promise<ResultEnvelope> {
  const { definition, ctx } = run;
  try {
    const result = await withTimeout(
      definition.run(ctx, run.input),
      ctx.config.limits.timeout,
      controller,
      definition.name,
    );
    const refused = refusalError(actions);
    return refused ? run.envelope({ ...result, outcome: 'fail' }, refused) : run.envelope(result);
  } catch (thrown) {
    const error = toOpsError(thrown);
    run.log.error(`${definition.name} failed: ${error.message}`, {
      error: { name: error.name, kind: error.kind, stack: error.stack },
    });
    return run.envelope({ outcome: 'fail', summary: error.message }, error);
  }
}

/**
 * The runner of a process, built once with its services: each run audits its receipt, takes the
 * `steps` that apply to it ({@link RUN_STEPS}: validate, idempotency) before the function, runs the
 * function bounded by `limits.timeout`, gives the envelope to the steps' `after`s in reverse order
 * and audits its finish. Failures become the envelope's `outcome` and `error`.
 */
export function createRunner(services: Services, steps: readonly RunStep[] = RUN_STEPS): Runner {
  return async <Input>(definition: FunctionDefinition<Input>, trigger: Trigger, options: RunOptions = {}) => {
    const controller = new AbortController();
    const outer = options.signal;
    if (outer) outer.addEventListener('abort', () => controller.abort(outer.reason), { once: true });
    const { ctx, log, actions, notifications } = createContext(services, definition.name, trigger, {
      ...options,
      signal: controller.signal,
    });
    const startedAt = ctx.now();
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
    const run: Invocation<Input> = {
      definition,
      trigger,
      options,
      services,
      ctx,
      log,
      input: undefined,
      // Every envelope leaves scrubbed of secrets and within bounds: it becomes a reply and an idempotency record.
      envelope: (result, error) => boundEnvelope(build(result, error), (e) => services.redactor.scrubValue(e)),
    };

    log.audit({
      decision: 'received',
      reason: `${trigger.kind} trigger ${trigger.id}`,
      evidence: { trigger: describeTrigger(trigger) },
    });
    const taken = steps.filter((step) => step.when?.(run) ?? true);
    for (const step of taken) {
      const early = await step.before?.(run);
      if (early) return early;
    }
    if (!ctx.stateAvailable) log.warn('state store unavailable: running without idempotency; mutations are refused');
    const result = await runBounded(run, controller, actions);
    for (const step of [...taken].reverse()) await step.after?.(run, result);
    log.audit({
      decision: 'finished',
      reason: result.summary,
      outcome: result.outcome,
      durationMs: Date.parse(result.finishedAt) - startedAt.getTime(),
      evidence: { actions: actions.length, items: result.items.length },
    });
    return result;
  };
}

/**
 * Runs one function once with services built from `options` alone: for a test, a benchmark or a
 * one-off call. A process that runs many builds its services once and uses {@link createRunner}.
 */
export function runFunction<Input>(
  definition: FunctionDefinition<Input>,
  trigger: Trigger,
  options: ServicesOptions & RunOptions,
): Promise<ResultEnvelope> {
  return createRunner(createServices(options))(definition, trigger, options);
}
