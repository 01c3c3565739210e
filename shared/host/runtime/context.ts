import { randomUUID } from 'node:crypto';
import type { Logger, Redactor, TraceContext } from '../../core/audit/index.js';
import { createLogger, type LogSink } from '../../core/audit/index.js';
import type { Estate } from '../../core/config/index.js';
import { DependencyError } from '../../core/errors/index.js';
import type { Trigger } from '../../core/events/index.js';
import type { ActionRecord } from '../../core/guard/index.js';
import { createAct } from '../../core/guard/index.js';
import type { DeliveryResult, Notification, Notifier } from '../../core/notify/index.js';
import type { Context, Continuation } from '../../core/run/index.js';
import type { StateStore } from '../../core/state/index.js';
import { continuationKey } from './continuation.js';
import { type HeldLocks, runState } from './run-state.js';
import { configRedactor, createSecretResolver, type SecretResolver } from './secrets.js';

/** What a run is built from; everything but `config` and `state` has a default. */
export interface ContextOptions {
  config: Estate;
  state: StateStore;
  stateAvailable?: boolean;
  notifier?: Notifier;
  now?: () => Date;
  runId?: string;
  dryRun?: boolean;
  logSink?: LogSink;
  format?: string;
  trace?: TraceContext;
  project?: string;
  redactor?: Redactor;
  secret?: SecretResolver;
  signal?: AbortSignal;
  onProgress?: (text: string) => void;
  /** Where `ctx.continue` sends the next invocation. */
  continuation?: Continuation;
  /** Where the locks the run takes are noted, so a shutdown can release them. */
  locks?: HeldLocks;
}

/** A context plus what the runtime collects from it for the envelope. */
export interface RunContext {
  ctx: Context;
  log: Logger;
  actions: ActionRecord[];
  notifications: DeliveryResult[];
  redactor: Redactor;
}

/** Builds the per-run context; no module state, every dependency comes from `options`. */
export function createContext(functionName: string, trigger: Trigger, options: ContextOptions): RunContext {
  const now = options.now ?? (() => new Date());
  const runId = options.runId ?? randomUUID();
  const dryRun = options.dryRun === true || options.config.mode === 'dry-run';
  const redactor = options.redactor ?? configRedactor(options.config);
  const secret = options.secret ?? createSecretResolver({ redactor });
  const actions: ActionRecord[] = [];
  const notifications: DeliveryResult[] = [];
  const stateAvailable = options.stateAvailable ?? true;
  const redact = <T>(value: T): T => redactor.scrubValue(value);
  const state = runState(options.state, { scrub: redact, ...(options.locks ? { locks: options.locks } : {}) });
  const log = createLogger({
    redactor,
    now,
    ...(options.logSink ? { sink: options.logSink } : {}),
    ...(options.trace ? { trace: options.trace } : {}),
    ...(options.project ? { project: options.project } : {}),
    labels: { function: functionName, runId, estate: options.config.estate },
    run: {
      runId,
      function: functionName,
      trigger: { kind: trigger.kind, id: trigger.id, ...(options.format ? { format: options.format } : {}) },
      dryRun,
    },
  });

  const notify = async (message: Notification): Promise<DeliveryResult[]> => {
    if (!options.notifier) return [];
    const results = await options.notifier.notify(
      redact({ function: functionName, ...message }),
      options.signal ? { signal: options.signal } : {},
    );
    notifications.push(...results);
    for (const r of results) {
      log.audit({
        decision: 'notified',
        target: r.channel,
        reason: r.ok ? `${message.severity}: ${message.title}` : `delivery failed: ${r.error ?? 'unknown'}`,
        outcome: r.ok ? 'ok' : 'error',
      });
    }
    return results;
  };

  const act = createAct({
    function: functionName,
    guard: options.config.guard,
    timezone: options.config.timezone,
    dryRun,
    state,
    stateAvailable,
    log,
    now,
    notify,
    record: (action) => actions.push(action),
  });

  const ctx: Context = {
    function: functionName,
    runId,
    trigger,
    dryRun,
    config: options.config,
    signal: options.signal ?? new AbortController().signal,
    log,
    state,
    stateAvailable,
    now,
    act,
    notify,
    secret,
    redact,
    progress: options.onProgress ?? (() => {}),
    async continue(key, payload) {
      if (!options.continuation) throw new DependencyError('no continuation is configured for this runtime');
      log.audit({ decision: 'decided', action: 'continue', target: key, reason: 'next step in a later invocation' });
      await options.continuation(functionName, continuationKey(key), payload);
    },
  };
  return { ctx, log, actions, notifications, redactor };
}
