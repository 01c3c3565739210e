import type { Logger } from '../audit/index.js';
import type { GuardConfig } from '../config/index.js';
import { errorMessage } from '../errors/index.js';
import type { Notification } from '../notify/index.js';
import type { StateStore } from '../state/index.js';
import type { Act, ActionRecord, ActOptions, ActOutcome, RefusedBy } from './act.js';
import { activeFreeze } from './freeze.js';
import { GuardKeys, type PauseRecord } from './keys.js';

/** What the guard needs from the run that owns it. */
export interface GuardDeps {
  function: string;
  guard: GuardConfig;
  timezone: string;
  dryRun: boolean;
  state: StateStore;
  stateAvailable: boolean;
  log: Logger;
  now: () => Date;
  notify: (message: Notification) => Promise<unknown>;
  /** Receives every action as it is decided, for the result envelope. */
  record: (action: ActionRecord) => void;
}

/**
 * Builds `ctx.act`: kill switch → freeze window → dry-run → lock per target → cooldown per target
 * and action → rate limits (per target, global) and circuit breaker → `fn`, with the audit intent
 * written before and the outcome after. `fn` errors are recorded and rethrown.
 */
export function createAct(deps: GuardDeps): Act {
  const { log, state } = deps;

  /** Records one action for the envelope, with the change it makes (or would make) when there is one. */
  const note = (
    action: string,
    target: string,
    change: Record<string, unknown> | undefined,
    entry: Omit<ActionRecord, 'action' | 'target' | 'change'>,
  ): void => deps.record({ action, target, ...entry, ...(change ? { change } : {}) });

  const refuse = <T>(
    action: string,
    target: string,
    by: RefusedBy,
    reason: string,
    options: ActOptions<T>,
  ): ActOutcome<T> => {
    log.audit({ decision: 'refused', action, target, reason: `${by}: ${reason}`, evidence: options.evidence });
    note(action, target, options.change, { status: 'refused', by, reason });
    return { status: 'refused', by, reason };
  };

  return async <T>(
    action: string,
    target: string,
    fn: () => Promise<T>,
    options: ActOptions<T> = {},
  ): Promise<ActOutcome<T>> => {
    const now = deps.now();
    if (!deps.stateAvailable && !deps.dryRun) {
      return refuse(action, target, 'state-unavailable', 'state store unavailable: mutations fail closed', options);
    }
    if (deps.stateAvailable) {
      const paused =
        (await state.get<PauseRecord>(GuardKeys.pausedFunction(deps.function))) ??
        (await state.get<PauseRecord>(GuardKeys.paused));
      if (paused) return refuse(action, target, 'kill-switch', `paused since ${paused.at}: ${paused.reason}`, options);
    }
    const freeze = activeFreeze(deps.guard.freezeWindows, now, deps.timezone);
    if (freeze)
      return refuse(action, target, 'freeze', `${freeze.reason} until ${freeze.until.toISOString()}`, options);

    if (deps.dryRun) {
      log.audit({
        decision: 'dry-run',
        action,
        target,
        reason: 'dry-run: would act, called nothing',
        evidence: { ...options.evidence, change: options.change },
      });
      note(action, target, options.change, { status: 'dry-run' });
      return { status: 'dry-run' };
    }

    const lockKey = GuardKeys.lock(options.lockKey ?? target);
    const token = await state.lock(lockKey, deps.guard.lockTtl);
    if (!token) return refuse(action, target, 'lock', `${options.lockKey ?? target} is locked by another run`, options);
    try {
      const coolingMs = await state.cooldownLeft(GuardKeys.cooldown(action, target));
      if (coolingMs > 0)
        return refuse(action, target, 'cooldown', `cooling down for ${Math.ceil(coolingMs / 1000)}s more`, options);

      const nowMs = now.getTime();
      const { rateLimit, breaker } = deps.guard;
      if (await state.get(GuardKeys.breakerOpen)) {
        return refuse(action, target, 'breaker', 'circuit breaker is open: too many actions recently', options);
      }
      if ((await state.count(GuardKeys.breakerActions, breaker.window, nowMs)) >= breaker.max) {
        await state.put(GuardKeys.breakerOpen, { at: now.toISOString() }, breaker.open);
        await deps.notify({
          severity: 'critical',
          title: 'opsfn circuit breaker tripped',
          text: `${breaker.max} automatic actions within the breaker window; every further action is refused until a person looks. Last refused: ${action} on ${target} by ${deps.function}.`,
          dedupKey: `opsfn-breaker-${deps.function}`,
          function: deps.function,
        });
        return refuse(action, target, 'breaker', `breaker tripped: ${breaker.max} actions in the window`, options);
      }
      if (
        (await state.count(GuardKeys.rateTarget(target), rateLimit.perTarget.window, nowMs)) >= rateLimit.perTarget.max
      ) {
        return refuse(
          action,
          target,
          'rate-limit',
          `${rateLimit.perTarget.max} actions on ${target} in the window`,
          options,
        );
      }
      if ((await state.count(GuardKeys.rateGlobal, rateLimit.global.window, nowMs)) >= rateLimit.global.max) {
        return refuse(
          action,
          target,
          'rate-limit',
          `${rateLimit.global.max} actions in the window across all targets`,
          options,
        );
      }

      // Count the attempt before calling, so a failed mutation still spends budget.
      await state.hit(GuardKeys.rateTarget(target), rateLimit.perTarget.window, nowMs);
      await state.hit(GuardKeys.rateGlobal, rateLimit.global.window, nowMs);
      await state.hit(GuardKeys.breakerActions, breaker.window, nowMs);

      log.audit({
        decision: 'intent',
        action,
        target,
        reason: 'guardrails passed',
        evidence: { ...options.evidence, change: options.change },
      });
      const started = Date.now();
      try {
        const value = await fn();
        const durationMs = Date.now() - started;
        const unchanged = options.unchanged?.(value);
        if (unchanged !== undefined) {
          log.audit({
            decision: 'skipped',
            action,
            target,
            reason: `no change: ${unchanged}`,
            durationMs,
            outcome: 'unchanged',
          });
          note(action, target, options.change, { status: 'unchanged', reason: unchanged, durationMs });
          return { status: 'done', value, durationMs };
        }
        if (options.cooldownMs) await state.setCooldown(GuardKeys.cooldown(action, target), options.cooldownMs);
        log.audit({ decision: 'done', action, target, reason: 'applied', durationMs, outcome: 'ok' });
        note(action, target, options.change, { status: 'done', durationMs });
        return { status: 'done', value, durationMs };
      } catch (error) {
        const durationMs = Date.now() - started;
        const reason = errorMessage(error);
        log.audit({ decision: 'failed', action, target, reason, durationMs, outcome: 'error' });
        note(action, target, options.change, { status: 'failed', reason, durationMs });
        throw error;
      }
    } finally {
      await state.unlock(lockKey, token).catch((error: unknown) => {
        log.warn('lock release failed; it expires by its TTL', { lock: lockKey, error });
      });
    }
  };
}
