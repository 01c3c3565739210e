import type { Logger } from '../audit/index.js';
import type { GuardConfig } from '../config/index.js';
import { OpsError } from '../errors/index.js';
import type { Notification } from '../notify/index.js';
import type { StateStore } from '../state/index.js';
import type { RefusedBy } from './act.js';
import { activeFreeze } from './freeze.js';
import { GuardKeys, type PauseRecord } from './keys.js';
import { readPauseFile } from './pause-file.js';

/** What the guardrails of one run share. */
export interface GuardRun {
  function: string;
  guard: GuardConfig;
  timezone: string;
  dryRun: boolean;
  state: StateStore;
  stateAvailable: boolean;
  log: Logger;
  notify: (message: Notification) => Promise<unknown>;
}

/** One action asking to pass the guardrails, as each of them sees it. */
export interface Attempt {
  action: string;
  target: string;
  /** The lock key the caller asked for; the target when none. */
  lockKey: string | undefined;
  cooldownMs: number | undefined;
  /** Read once per attempt, so every guardrail judges the same moment. */
  now: Date;
  run: GuardRun;
}

/** What a guardrail that lets an action pass may ask of the rest of it (middy's `before`/`after` idea). */
export interface Pass {
  /** Runs once every guardrail passed, before the action: spends budget even if the action then fails. */
  before?: () => Promise<void>;
  /** Takes back what the check spent when a later guardrail refuses the action after all. */
  refund?: () => Promise<void>;
  /** Runs after an action that changed something. */
  after?: () => Promise<void>;
  /** Runs last, whatever happened: frees what the guardrail holds. */
  release?: () => Promise<void>;
}

/** A guardrail's answer: pass (optionally with hooks), or stop the action, saying why. */
export type Verdict = Pass | { stop: string } | undefined;

/** The name of a guardrail: what refused an action, or `dry-run`, which stops every action unrefused. */
export type GuardrailName = RefusedBy | 'dry-run';

/** One named check every action passes through, in the order of {@link GUARDRAILS}. */
export interface Guardrail {
  readonly name: GuardrailName;
  /** One sentence for the docs: what it checks and what it does. */
  readonly summary: string;
  check(attempt: Attempt): Promise<Verdict>;
}

const seconds = (ms: number): number => Math.ceil(ms / 1000);

/**
 * The guardrails in the order every action meets them; the first that stops an action decides.
 * The guard README's table is generated from this list.
 */
export const GUARDRAILS: readonly Guardrail[] = [
  {
    name: 'state-unavailable',
    summary:
      'Refuses every mutation when the state store was unreachable as the run started (fail closed); a dry run goes on.',
    check: async ({ run }) =>
      !run.stateAvailable && !run.dryRun ? { stop: 'state store unavailable: mutations fail closed' } : undefined,
  },
  {
    name: 'kill-switch',
    summary:
      'Refuses while `opsfn pause` is in force: `control:paused`, or `control:paused:<function>` for one function, in the state store; or while `guard.pauseFile` (every function) or `<pauseFile>.<function>` exists on the host.',
    async check({ run }) {
      const file =
        run.guard.pauseFile === undefined ? undefined : await readPauseFile(run.guard.pauseFile, run.function);
      if (file) return { stop: `paused since ${file.at}: ${file.reason}` };
      if (!run.stateAvailable) return undefined;
      const paused =
        (await run.state.get<PauseRecord>(GuardKeys.pausedFunction(run.function))) ??
        (await run.state.get<PauseRecord>(GuardKeys.paused));
      return paused ? { stop: `paused since ${paused.at}: ${paused.reason}` } : undefined;
    },
  },
  {
    name: 'freeze',
    summary:
      'Refuses inside a `guard.freezeWindows` entry: absolute (`start`/`end`) or recurring (`cron` + `duration`, in the estate timezone).',
    async check({ run, now }) {
      const freeze = await activeFreeze(run.guard.freezeWindows, now, run.timezone);
      return freeze ? { stop: `${freeze.reason} until ${freeze.until.toISOString()}` } : undefined;
    },
  },
  {
    name: 'dry-run',
    summary: 'Stops every action of a dry run: it is recorded with the change it would make, and nothing is called.',
    check: async ({ run }) => (run.dryRun ? { stop: 'dry-run: would act, called nothing' } : undefined),
  },
  {
    name: 'lock',
    summary:
      'Takes `lock:<lockKey or target>` for `guard.lockTtl`, refusing when another run holds it; held around everything after it and released last, whatever happened.',
    async check({ run, target, lockKey }) {
      const key = GuardKeys.lock(lockKey ?? target);
      const token = await run.state.lock(key, run.guard.lockTtl);
      if (!token) return { stop: `${lockKey ?? target} is locked by another run` };
      return {
        release: () =>
          run.state.unlock(key, token).then(
            () => undefined,
            (error: unknown) => run.log.warn('lock release failed; it expires by its TTL', { lock: key, error }),
          ),
      };
    },
  },
  {
    name: 'cooldown',
    summary:
      'Refuses while `cooldown:<action>:<target>` has time left; an action that changed something starts it for its `cooldownMs` (an unchanged one does not).',
    async check({ run, action, target, cooldownMs }) {
      const left = await run.state.cooldownLeft(GuardKeys.cooldown(action, target));
      if (left > 0) return { stop: `cooling down for ${seconds(left)}s more` };
      if (!cooldownMs) return undefined;
      return { after: () => run.state.setCooldown(GuardKeys.cooldown(action, target), cooldownMs) };
    },
  },
  {
    name: 'rate-limit',
    summary:
      'Refuses when `guard.rateLimit.perTarget`, then `guard.rateLimit.global`, is spent in its window. Each is spent atomically as the action passes (taken back if a later guardrail refuses, or cannot check: a state store timeout, which also audits the attempt `failed`), so an action that is called always counted, a failed one too, and concurrent runs cannot overspend a window.',
    async check({ run, target, now }) {
      const { perTarget, global } = run.guard.rateLimit;
      const nowMs = now.getTime();
      const onTarget = await run.state.spend(GuardKeys.rateTarget(target), perTarget.window, nowMs, perTarget.max);
      if (onTarget === undefined) return { stop: `${perTarget.max} actions on ${target} in the window` };
      const overall = await run.state.spend(GuardKeys.rateGlobal, global.window, nowMs, global.max);
      if (overall === undefined) {
        await run.state.refund(GuardKeys.rateTarget(target), onTarget);
        return { stop: `${global.max} actions in the window across all targets` };
      }
      return {
        async refund() {
          await run.state.refund(GuardKeys.rateTarget(target), onTarget);
          await run.state.refund(GuardKeys.rateGlobal, overall);
        },
      };
    },
  },
  {
    name: 'breaker',
    summary:
      'Refuses while the circuit breaker is open; at `guard.breaker.max` actions in its window it opens for `guard.breaker.open`, sends one critical notification and refuses. Its window is spent atomically as the action passes, so concurrent runs cannot all take its last action; it comes last, so it counts only actions every other guardrail let through.',
    async check({ run, action, target, now }) {
      const { breaker } = run.guard;
      if (await run.state.get(GuardKeys.breakerOpen)) {
        return { stop: 'circuit breaker is open: too many actions recently' };
      }
      const spent = await run.state.spend(GuardKeys.breakerActions, breaker.window, now.getTime(), breaker.max);
      if (spent === undefined) {
        await run.state.put(GuardKeys.breakerOpen, { at: now.toISOString() }, breaker.open);
        await run.notify({
          severity: 'critical',
          title: 'opsfn circuit breaker tripped',
          text: `${breaker.max} automatic actions within the breaker window; every further action is refused until a person looks. Last refused: ${action} on ${target} by ${run.function}.`,
          dedupKey: `opsfn-breaker-${run.function}`,
          function: run.function,
        });
        return { stop: `breaker tripped: ${breaker.max} actions in the window` };
      }
      return { refund: () => run.state.refund(GuardKeys.breakerActions, spent) };
    },
  },
];

/** The comments that enclose the generated guardrail table in the guard's README. */
export const GUARDRAIL_TABLE_MARKERS = {
  start: '<!-- guardrails:start (generated from GUARDRAILS in guardrails.ts; do not edit) -->',
  end: '<!-- guardrails:end -->',
} as const;

/** The guardrails as a Markdown table, in their order: what the docs print. */
export function guardrailTable(guardrails: readonly Guardrail[] = GUARDRAILS): string {
  const rows = guardrails.map(
    ({ name, summary }, i) => `| ${i + 1} | \`${name}\` | ${summary.replaceAll('|', '\\|')} |`,
  );
  return ['| # | Guardrail (`by` of its refusals) | What it does |', '|---|---|---|', ...rows].join('\n');
}

/** `readme` with the text between the table markers replaced by {@link guardrailTable}; throws when a marker is missing. */
export function withGuardrailTable(readme: string, guardrails: readonly Guardrail[] = GUARDRAILS): string {
  const { start, end } = GUARDRAIL_TABLE_MARKERS;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end, from);
  if (from < 0 || to < 0)
    throw new OpsError('internal', `the guardrail table markers are missing: ${start} … ${end}`, { retryable: false });
  return `${readme.slice(0, from + start.length)}\n${guardrailTable(guardrails)}\n${readme.slice(to)}`;
}
