import type { Logger } from '../../core/audit/index.js';
import type { Trigger } from '../../core/events/index.js';
import type { ResultEnvelope } from '../../core/run/index.js';
import type { StateStore } from '../../core/state/index.js';
import { ShutdownError } from './errors.js';
import { IDEMPOTENCY_TTL_MS, idempotencyKey } from './idempotency.js';
import { HeldLocks } from './run-state.js';
import type { RunOptions } from './services.js';

/** How a run is delivered again after a shutdown interrupted it: as it was asked for, or not at all. */
export type RedeliverAs = Pick<RunOptions, 'dryRun' | 'format' | 'trace'> | false;

/** One invocation in progress. */
interface Run {
  name: string;
  trigger: Trigger;
  dryRun: boolean;
  redeliverAs: RedeliverAs;
  controller: AbortController;
  locks: HeldLocks;
  done: Promise<ResultEnvelope>;
  settled: boolean;
  envelope?: ResultEnvelope;
}

/** Where work interrupted by a shutdown waits for the next start: `serve:redeliver:<function>:[dry-run:]<trigger id>`. */
export const REDELIVER_PREFIX = 'serve:redeliver:';

/** Work interrupted by a shutdown, as stored for the next start: a dry run stays a dry run. */
export interface Redelivery {
  function: string;
  trigger: Trigger;
  at: string;
  options?: Exclude<RedeliverAs, false>;
}

/** What a drain saw: runs that finished within the grace period, and those it interrupted. */
export interface DrainReport {
  finished: number;
  interrupted: { function: string; trigger: string; settled: boolean; locksReleased: string[] }[];
}

/** How a drain waits, and what it writes to. */
export interface DrainOptions {
  /** How long running work may take to finish before it is interrupted. */
  graceMs: number;
  /** How long interrupted work may take to record itself before its locks are released for it. */
  abortGraceMs: number;
  state: StateStore;
  log: (name: string) => Logger;
  now: () => Date;
}

/**
 * Stores `trigger` so the next start of `opsfn serve` delivers it again, as Pub/Sub redelivers an unacked message,
 * with the options it ran with: a dry run interrupted by a shutdown must not come back as a real one.
 */
export async function recordRedelivery(
  state: StateStore,
  name: string,
  trigger: Trigger,
  now: Date,
  options: Exclude<RedeliverAs, false> = {},
): Promise<void> {
  const record: Redelivery = { function: name, trigger, at: now.toISOString(), options };
  const space = options.dryRun === true ? `${name}:dry-run:` : `${name}:`;
  await state.put(`${REDELIVER_PREFIX}${space}${trigger.id}`, record, IDEMPOTENCY_TTL_MS);
}

/** Takes every stored redelivery out of state (each once, even with two instances starting together). */
export async function takeRedeliveries(state: StateStore): Promise<Redelivery[]> {
  const out: Redelivery[] = [];
  for (const key of await state.keys(REDELIVER_PREFIX)) {
    const token = await state.lock(`serve:redelivering:${key.slice(REDELIVER_PREFIX.length)}`, 60_000);
    if (!token) continue;
    const record = await state.get<Redelivery>(key);
    await state.delete(key);
    if (record) out.push(record);
  }
  return out;
}

/** Waits for `work` at most `ms`; the timer is cleared as soon as the work settles, so it never holds the process. */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The invocations a process is running, so a shutdown can let them finish or interrupt them cleanly. */
export class InflightRuns {
  readonly #runs = new Set<Run>();
  #draining = false;

  /** True once a drain started: new work is refused. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Runs `start` and tracks it until it settles; refused with `ShutdownError` once a drain started. */
  track(
    name: string,
    trigger: Trigger,
    start: (signal: AbortSignal, locks: HeldLocks) => Promise<ResultEnvelope>,
    options: { dryRun?: boolean; redeliverAs?: RedeliverAs } = {},
  ): Promise<ResultEnvelope> {
    if (this.#draining) return Promise.reject(new ShutdownError());
    const controller = new AbortController();
    const locks = new HeldLocks();
    let run: Run | undefined;
    const done = start(controller.signal, locks)
      .then((envelope) => {
        if (run) run.envelope = envelope;
        return envelope;
      })
      .finally(() => {
        if (run) {
          run.settled = true;
          this.#runs.delete(run);
        }
      });
    const dryRun = options.dryRun === true;
    const redeliverAs = options.redeliverAs ?? { dryRun };
    run = { name, trigger, dryRun, redeliverAs, controller, locks, settled: false, done };
    this.#runs.add(run);
    return done;
  }

  /**
   * Stops taking work, waits `graceMs` for running work, then interrupts what is left: its signal
   * aborts with `ShutdownError` (a drill records its step as interrupted), and whatever has not
   * settled `abortGraceMs` later has its locks and idempotency claim released for it. Each
   * interrupted run is stored for redelivery and audited.
   */
  async drain(options: DrainOptions): Promise<DrainReport> {
    this.#draining = true;
    const running = [...this.#runs];
    const settledAll = (runs: Run[]) => Promise.allSettled(runs.map((r) => r.done));
    await within(settledAll(running), options.graceMs);
    const left = running.filter((r) => !r.settled);
    for (const run of left) run.controller.abort(new ShutdownError('interrupted: opsfn is shutting down'));
    await within(settledAll(left), options.abortGraceMs);
    const report: DrainReport = { finished: running.length - left.length, interrupted: [] };
    for (const run of left) report.interrupted.push(await this.#interrupt(run, options));
    return report;
  }

  async #interrupt(run: Run, options: DrainOptions): Promise<DrainReport['interrupted'][number]> {
    const { state } = options;
    const locksReleased = run.settled ? [] : await run.locks.release(state);
    // A run that never settled still holds its claim: release it so the redelivery is not a duplicate.
    if (!run.settled) await state.unclaim(idempotencyKey(run.name, run.trigger, run.dryRun)).catch(() => undefined);
    const interrupted = !run.settled || run.envelope?.error?.retryable === true;
    const redeliverAs = interrupted ? run.redeliverAs : false;
    if (redeliverAs !== false) {
      await recordRedelivery(state, run.name, run.trigger, options.now(), redeliverAs).catch((error: unknown) =>
        options.log(run.name).error('interrupted work could not be stored for redelivery', { error }),
      );
    }
    options.log(run.name).audit({
      decision: 'failed',
      action: 'shutdown',
      target: `${run.name}:${run.trigger.id}`,
      reason: run.settled
        ? 'interrupted by shutdown; it stopped and recorded where it was'
        : `interrupted by shutdown; it did not stop in time, ${locksReleased.length} lock(s) released for it`,
      outcome: 'interrupted',
      evidence: { trigger: run.trigger.id, locksReleased, redeliver: redeliverAs !== false },
    });
    return { function: run.name, trigger: run.trigger.id, settled: run.settled, locksReleased };
  }
}
