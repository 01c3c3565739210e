import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/audit/index.js';
import { createLogger } from '../../core/audit/index.js';
import { DependencyError } from '../../core/errors/index.js';
import type { Trigger } from '../../core/events/index.js';
import type { ActionRecord } from '../../core/guard/index.js';
import { cooldownLeft, createAct } from '../../core/guard/index.js';
import type { DeliveryResult, Notification } from '../../core/notify/index.js';
import type { Context } from '../../core/run/index.js';
import { continuationKey } from './continuation.js';
import { runState } from './run-state.js';
import type { RunOptions, Services } from './services.js';

/** A context plus what the runtime collects from it for the envelope. */
export interface RunContext {
  ctx: Context;
  log: Logger;
  actions: ActionRecord[];
  notifications: DeliveryResult[];
}

/** Whether a run acts for real: a dry run when its caller asked for one or the estate runs in dry-run mode. */
export function isDryRun(options: Pick<RunOptions, 'dryRun'>, config: { mode?: string }): boolean {
  return options.dryRun === true || config.mode === 'dry-run';
}

/** Builds the context of one run of `functionName` from the process's services and this run's options. */
export function createContext(
  services: Services,
  functionName: string,
  trigger: Trigger,
  options: RunOptions = {},
): RunContext {
  const { config, redactor, notifier, continuation } = services;
  const now = () => services.now();
  const runId = options.runId ?? randomUUID();
  const dryRun = isDryRun(options, config);
  const actions: ActionRecord[] = [];
  const notifications: DeliveryResult[] = [];
  const stateAvailable = options.stateAvailable ?? true;
  const redact = <T>(value: T): T => redactor.scrubValue(value);
  const state = runState(services.state, { scrub: redact, ...(options.locks ? { locks: options.locks } : {}) });
  const log = createLogger({
    redactor,
    now,
    ...(services.logSink ? { sink: services.logSink } : {}),
    ...(options.trace ? { trace: options.trace } : {}),
    ...(services.project ? { project: services.project } : {}),
    labels: { function: functionName, runId, estate: config.estate },
    run: {
      runId,
      function: functionName,
      trigger: { kind: trigger.kind, id: trigger.id, ...(options.format ? { format: options.format } : {}) },
      dryRun,
    },
  });

  const notify = async (message: Notification): Promise<DeliveryResult[]> => {
    if (!notifier) return [];
    const results = await notifier.notify(
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

  const ctx: Context = {
    function: functionName,
    runId,
    trigger,
    dryRun,
    config,
    signal: options.signal ?? new AbortController().signal,
    log,
    state,
    stateAvailable,
    now,
    act: createAct({
      function: functionName,
      guard: config.guard,
      timezone: config.timezone,
      dryRun,
      state,
      stateAvailable,
      log,
      now,
      notify,
      record: (action) => actions.push(action),
    }),
    cooldownLeft: (action, target) => cooldownLeft(state, action, target),
    notify,
    secret: services.secret,
    redact,
    progress: options.onProgress ?? (() => {}),
    jobs: services.jobs,
    async continue(key, payload) {
      if (!continuation) throw new DependencyError('no continuation is configured for this runtime');
      log.audit({ decision: 'decided', action: 'continue', target: key, reason: 'next step in a later invocation' });
      await continuation(functionName, continuationKey(key), payload);
    },
  };
  return { ctx, log, actions, notifications };
}
