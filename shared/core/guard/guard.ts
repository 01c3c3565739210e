import { errorMessage } from '../errors/index.js';
import type { StateStore } from '../state/index.js';
import type { Act, ActionRecord, ActOptions, ActOutcome } from './act.js';
import { type Attempt, GUARDRAILS, type GuardRun, type Guardrail, type Pass } from './guardrails.js';
import { GuardKeys } from './keys.js';

/** What the guard needs from the run that owns it. */
export interface GuardDeps extends GuardRun {
  now: () => Date;
  /** Receives every action as it is decided, for the result envelope. */
  record: (action: ActionRecord) => void;
}

/** Milliseconds left on the cooldown the guard keeps for `action` on `target`, 0 when none. */
export function cooldownLeft(state: StateStore, action: string, target: string): Promise<number> {
  return state.cooldownLeft(GuardKeys.cooldown(action, target));
}

/**
 * Builds `ctx.act`: every action meets `guardrails` ({@link GUARDRAILS} unless a test says
 * otherwise) in their order; the first that stops it decides. One that passes every guardrail
 * spends their budgets, is audited as intent, runs, and is audited as done, unchanged or failed;
 * what the guardrails hold (the lock) is released last. `fn` errors are recorded and rethrown.
 */
export function createAct(deps: GuardDeps, guardrails: readonly Guardrail[] = GUARDRAILS): Act {
  const { log } = deps;

  return async <T>(
    action: string,
    target: string,
    fn: () => Promise<T>,
    options: ActOptions<T> = {},
  ): Promise<ActOutcome<T>> => {
    const note = (entry: Omit<ActionRecord, 'action' | 'target' | 'change'>): void =>
      deps.record({ action, target, ...entry, ...(options.change ? { change: options.change } : {}) });
    const attempt: Attempt = {
      action,
      target,
      lockKey: options.lockKey,
      cooldownMs: options.cooldownMs,
      now: deps.now(),
      run: deps,
    };
    const passed: Pass[] = [];
    // What the guardrails passed so far spent is taken back: an action stopped, or whose check failed, must not use
    // up budget.
    const refund = async () => {
      for (const pass of passed) {
        await pass
          .refund?.()
          .catch((error: unknown) => log.warn('a refused action could not refund its budget', { error }));
      }
    };
    try {
      for (const { name, check } of guardrails) {
        let verdict: Awaited<ReturnType<typeof check>>;
        try {
          verdict = await check(attempt);
        } catch (error) {
          // A guardrail that could not decide (the state store timed out) stops the action, which did not happen:
          // its budget is given back, and the attempt is audited and recorded as failed before the error goes on.
          await refund();
          const reason = `${name}: could not check: ${errorMessage(error)}`;
          log.audit({ decision: 'failed', action, target, reason, evidence: options.evidence, outcome: 'error' });
          note({ status: 'failed', reason, durationMs: 0 });
          throw error;
        }
        if (verdict === undefined) continue;
        if (!('stop' in verdict)) {
          passed.push(verdict);
          continue;
        }
        await refund();
        if (name === 'dry-run') {
          const evidence = { ...options.evidence, change: options.change };
          log.audit({ decision: 'dry-run', action, target, reason: verdict.stop, evidence });
          note({ status: 'dry-run' });
          return { status: 'dry-run' };
        }
        const reason = verdict.stop;
        log.audit({ decision: 'refused', action, target, reason: `${name}: ${reason}`, evidence: options.evidence });
        note({ status: 'refused', by: name, reason });
        return { status: 'refused', by: name, reason };
      }
      for (const pass of passed) await pass.before?.();
      const evidence = { ...options.evidence, change: options.change };
      log.audit({ decision: 'intent', action, target, reason: 'guardrails passed', evidence });
      return await perform(fn, options, passed, note, ({ decision, ...rest }) =>
        log.audit({ decision, action, target, ...rest }),
      );
    } finally {
      for (const pass of passed.reverse()) await pass.release?.();
    }
  };
}

type Audit = (entry: {
  decision: 'skipped' | 'done' | 'failed';
  reason: string;
  durationMs: number;
  outcome: 'unchanged' | 'ok' | 'error';
}) => void;

async function perform<T>(
  fn: () => Promise<T>,
  options: ActOptions<T>,
  passed: readonly Pass[],
  note: (entry: Omit<ActionRecord, 'action' | 'target' | 'change'>) => void,
  audit: Audit,
): Promise<ActOutcome<T>> {
  const started = Date.now();
  let value: T;
  try {
    value = await fn();
  } catch (error) {
    const durationMs = Date.now() - started;
    const reason = errorMessage(error);
    audit({ decision: 'failed', reason, durationMs, outcome: 'error' });
    note({ status: 'failed', reason, durationMs });
    throw error;
  }
  const durationMs = Date.now() - started;
  const unchanged = options.unchanged?.(value);
  if (unchanged !== undefined) {
    audit({ decision: 'skipped', reason: `no change: ${unchanged}`, durationMs, outcome: 'unchanged' });
    note({ status: 'unchanged', reason: unchanged, durationMs });
    return { status: 'done', value, durationMs };
  }
  // The change happened: bookkeeping that fails after it (a cooldown the state store did not take) is said in
  // the audit, never turned into a failure, which would have a redelivery make the change a second time.
  const missed: string[] = [];
  for (const pass of passed) {
    await pass.after?.().catch((error: unknown) => {
      missed.push(errorMessage(error));
    });
  }
  const reason = missed.length === 0 ? 'applied' : `applied; not recorded: ${missed.join('; ')}`;
  audit({ decision: 'done', reason, durationMs, outcome: 'ok' });
  note({ status: 'done', durationMs, ...(missed.length === 0 ? {} : { reason }) });
  return { status: 'done', value, durationMs };
}
