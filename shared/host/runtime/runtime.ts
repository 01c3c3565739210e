import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/audit/index.js';
import { createLogger } from '../../core/audit/index.js';
import { NotFoundError } from '../../core/errors/index.js';
import type { Trigger } from '../../core/events/index.js';
import type { Notifier } from '../../core/notify/index.js';
import { createNotifier } from '../../core/notify/index.js';
import type { Continuation, FunctionDefinition, ResultEnvelope } from '../../core/run/index.js';
import type { StateStore } from '../../core/state/index.js';
import { createStateStore } from '../../core/state/index.js';
import { isDryRun } from './context.js';
import { pubsubContinuation } from './continuation.js';
import { type DrainReport, InflightRuns, recordRedelivery, takeRedeliveries } from './drain.js';
import { createRunner } from './invoke.js';
import { jobsFromEnv } from './jobs-env.js';
import type { RunStep } from './run-step.js';
import { type RunOptions, type Services, type ServicesOptions, secretsOf } from './services.js';

/** Waits before each local redelivery of a continuation that failed retryably: five deliveries in all, like Pub/Sub's default. */
const LOCAL_REDELIVERY_MS = [1_000, 2_000, 4_000, 8_000] as const;

/** Any function definition, whatever its input type. */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds definitions of different input types
export type AnyFunction = FunctionDefinition<any>;

/** What a process-wide runtime is built from; the defaults are the production adapters. */
export type RuntimeOptions = Omit<ServicesOptions, 'state'> & {
  functions: readonly AnyFunction[];
  /** Defaults to the store `config.state` names. */
  state?: StateStore;
  /** The steps around every run; `RUN_STEPS` by default (a server adds its metrics step). */
  steps?: readonly RunStep[];
  /** The waits before each local redelivery of a continuation (1, 2, 4 and 8 s by default: five deliveries). */
  localRedeliveryMs?: readonly number[];
};

/** Per-invocation options of {@link Runtime.invoke}: only what varies per run. */
export type InvokeOptions = Pick<
  RunOptions,
  'dryRun' | 'format' | 'trace' | 'runId' | 'onProgress' | 'signal' | 'idempotency' | 'redeliver'
>;

/** The composition root of one process: its services, built once, and the function registry. */
export interface Runtime extends Services {
  readonly functions: readonly AnyFunction[];
  readonly notifier: Notifier;
  /** Sends the next invocation of a function: in-process by default, or the configured Pub/Sub topic. */
  readonly continuation: Continuation;
  /** The function registered under `name`; throws NotFoundError naming the known ones. */
  find(name: string): AnyFunction;
  /** Runs one trigger through the named function. */
  invoke(name: string, trigger: Trigger, options?: InvokeOptions): Promise<ResultEnvelope>;
  /** A logger for work outside a run (extra routes), labelled with the function. */
  logger(name: string): Logger;
  /** Writes an audit record for a request rejected before any function ran. */
  reject(name: string, reason: string, evidence?: Record<string, unknown>): void;
  /** True once {@link Runtime.drain} started: `invoke` refuses new work with a retryable `ShutdownError`. */
  readonly draining: boolean;
  /**
   * Stops taking work and lets running invocations finish within `graceMs`; the rest are interrupted,
   * their locks released and their triggers stored for {@link Runtime.redeliver} at the next start.
   */
  drain(options: { graceMs: number; abortGraceMs?: number }): Promise<DrainReport>;
  /** Runs again, in the background, the work a previous shutdown interrupted; returns how many. */
  redeliver(): Promise<number>;
  /**
   * Waits until the continuations this process runs itself (no continuation topic: `opsfn invoke`, `serve`)
   * have all ended, retries included; returns the envelopes of those that ended since the last call, oldest
   * first. `opsfn invoke` waits so, as a person at the terminal waits for the whole run.
   */
  settled(): Promise<ResultEnvelope[]>;
  close(): Promise<void>;
}

/** What is left of the platform's request timeout for the run itself: the rest ends it cleanly and audits. */
const PLATFORM_MARGIN_MS = 15_000;

/**
 * The estate with `limits.timeout` capped by the platform's own request timeout (`OPSFN_FUNCTION_TIMEOUT`, seconds,
 * which Terraform sets to each function's `timeout_seconds`), less a margin: the runtime then ends a run, audits it
 * and releases its lock and claim before the platform cuts the request off and none of that happens.
 */
export function boundByPlatform<E extends { limits: { timeout: number } }>(config: E, env: NodeJS.ProcessEnv): E {
  const seconds = Number(env.OPSFN_FUNCTION_TIMEOUT);
  if (!Number.isFinite(seconds) || seconds <= 0) return config;
  const bound = Math.max(seconds * 1000 - PLATFORM_MARGIN_MS, Math.min(seconds * 1000, 5_000));
  if (config.limits.timeout <= bound) return config;
  return { ...config, limits: { ...config.limits, timeout: bound } };
}

/** Builds the runtime once per process (cold start) and reuses it for every request. */
export async function createRuntime(given: RuntimeOptions): Promise<Runtime> {
  const env = given.env ?? process.env;
  const options = { ...given, config: boundByPlatform(given.config, env) };
  const { redactor, secret } = secretsOf(options);
  const now = options.now ?? (() => new Date());
  const state = options.state ?? (await createStateStore(options.config.state, { secret }));
  const notifier = options.notifier ?? createNotifier(options.config.notify, { secret, state, now, redactor });
  const byName = new Map(options.functions.map((f) => [f.name, f]));
  const inflight = new InflightRuns();
  // Continuations run in this process: how many are scheduled or running, who waits for none, what they answered.
  const local = { pending: 0, waiters: [] as (() => void)[], ended: [] as ResultEnvelope[] };
  const localEnded = (envelope?: ResultEnvelope) => {
    if (envelope) local.ended.push(envelope);
    local.pending -= 1;
    if (local.pending === 0) for (const wake of local.waiters.splice(0)) wake();
  };

  const stateAvailable = async (): Promise<boolean> => {
    try {
      await state.ping();
      return true;
    } catch {
      return false;
    }
  };

  const find = (name: string): AnyFunction => {
    const fn = byName.get(name);
    if (!fn) throw new NotFoundError(`unknown function "${name}" (known: ${[...byName.keys()].join(', ')})`);
    return fn;
  };

  const runtime: Runtime = {
    config: options.config,
    functions: options.functions,
    redactor,
    secret,
    state,
    notifier,
    logSink: options.logSink,
    verifyOidc: options.verifyOidc,
    project: options.project ?? process.env.GOOGLE_CLOUD_PROJECT,
    jobs: 'jobs' in options ? options.jobs : jobsFromEnv(env, options.config),
    now,
    find,
    invoke(name, trigger, invokeOptions = {}) {
      const definition = find(name);
      const dryRun = isDryRun(invokeOptions, options.config);
      const { format, trace } = invokeOptions;
      const redeliverAs =
        invokeOptions.redeliver === false
          ? false
          : { dryRun, ...(format ? { format } : {}), ...(trace ? { trace } : {}) };
      return inflight.track(
        name,
        trigger,
        async (signal, locks) =>
          run(definition, trigger, {
            ...invokeOptions,
            stateAvailable: await stateAvailable(),
            signal: invokeOptions.signal ? AbortSignal.any([invokeOptions.signal, signal]) : signal,
            locks,
          }),
        { dryRun, redeliverAs },
      );
    },
    reject(name, reason, evidence) {
      createLogger({
        redactor,
        now,
        ...(options.logSink ? { sink: options.logSink } : {}),
        run: { runId: randomUUID(), function: name, trigger: { kind: 'unknown', id: '' }, dryRun: false },
      }).audit({ decision: 'rejected', reason, outcome: 'rejected', ...(evidence ? { evidence } : {}) });
    },
    logger(name) {
      return createLogger({
        redactor,
        now,
        ...(options.logSink ? { sink: options.logSink } : {}),
        labels: { function: name, estate: options.config.estate },
        run: { runId: '', function: name, trigger: { kind: 'none', id: '' }, dryRun: false },
      });
    },
    continuation:
      options.continuation ??
      (env.OPSFN_CONTINUATION_TOPIC
        ? pubsubContinuation(env.OPSFN_CONTINUATION_TOPIC)
        : async (name, key, payload) => {
            const trigger: Trigger = {
              kind: 'scheduled',
              id: `continue:${key}`,
              job: `continue:${name}`,
              scheduledAt: now().toISOString(),
              payload,
            };
            // Locally the next step runs in this process, after the current invocation has returned; a
            // retryable failure is delivered again a few times, as Pub/Sub would, and once they are spent a
            // function that takes dead letters gets it as one (a shard is then reported failed at once, as
            // deployed); a process that is stopping keeps it for its next start instead.
            const deliver = (attempt: number, dead = false) => {
              const sent: Trigger = dead
                ? {
                    ...trigger,
                    id: `dead:${trigger.id}`,
                    deadLettered: { deliveries: attempt, subscription: 'local' },
                  }
                : trigger;
              const next = inflight.draining
                ? recordRedelivery(state, name, sent, now()).then(() => undefined)
                : runtime.invoke(name, sent);
              void next.then(
                (envelope) => {
                  const delay = (options.localRedeliveryMs ?? LOCAL_REDELIVERY_MS)[attempt];
                  // A run a shutdown interrupted is already kept for the next start by the drain.
                  if (dead || !envelope?.error?.retryable || inflight.draining) return localEnded(envelope);
                  if (delay === undefined) {
                    if (!find(name).deadLetters) return localEnded(envelope);
                    runtime.logger(name).warn('continuation failed on every delivery; delivering it dead-lettered', {
                      key,
                      deliveries: attempt + 1,
                    });
                    return deliver(attempt + 1, true);
                  }
                  runtime.logger(name).warn('continuation failed; delivering it again', { key, attempt, delay });
                  setTimeout(() => deliver(attempt + 1), delay).unref();
                },
                (error: unknown) => {
                  runtime.logger(name).error('continuation failed', { key, error });
                  localEnded();
                },
              );
            };
            local.pending += 1;
            setImmediate(() => deliver(0));
          }),
    get draining() {
      return inflight.draining;
    },
    drain: ({ graceMs, abortGraceMs = 5_000 }) =>
      inflight.drain({ graceMs, abortGraceMs, state, now, log: (name) => runtime.logger(name) }),
    async redeliver() {
      const pending = await takeRedeliveries(state);
      for (const { function: name, trigger, options: as = {} } of pending) {
        runtime.logger(name).audit({
          decision: 'decided',
          action: 'redeliver',
          target: `${name}:${trigger.id}`,
          reason: `interrupted by the last shutdown; delivered again${as.dryRun ? ' as the dry run it was' : ''}`,
        });
        void runtime
          .invoke(name, trigger, as)
          .catch((error: unknown) => runtime.logger(name).error('redelivery failed', { trigger: trigger.id, error }));
      }
      return pending.length;
    },
    async settled() {
      if (local.pending > 0) {
        // A retry's timer does not hold the process open by itself: the wait does, while there is one.
        const hold = setInterval(() => undefined, 60_000);
        await new Promise<void>((wake) => local.waiters.push(wake)).finally(() => clearInterval(hold));
      }
      return local.ended.splice(0);
    },
    async close() {
      // A local job's process ends with this one: SIGTERM aborts its load (its scratch copy is the sweep's).
      await runtime.jobs?.close?.().catch(() => undefined);
      await state.close();
    },
  };
  // The runtime is the services every run shares: built once here, never re-spread per call.
  const run = createRunner(runtime, options.steps);
  return runtime;
}
