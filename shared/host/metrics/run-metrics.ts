import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ResultEnvelope } from '../../core/run/index.js';

// Runs of ops work last from milliseconds (a refused alert) to the run budget (a restore, a drill step).
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** The counters and histograms every finished run moves. */
export interface RunMetrics {
  /** Counts one finished run: its outcome, its duration, its actions and the guard's refusals. */
  observe(envelope: ResultEnvelope): void;
  /** Sets the failure streaks from the kept history (newest first) when a process starts. */
  seed(fn: string, outcomes: readonly string[]): void;
}

/** Registers the run series on `registry`: runs by outcome, duration, streak of failures, actions, guard refusals. */
export function runMetrics(registry: Registry): RunMetrics {
  const registers = [registry];
  const runs = new Counter({
    name: 'opsfn_runs_total',
    help: 'Runs that reached their function, by function and outcome.',
    labelNames: ['function', 'outcome'],
    registers,
  });
  const duration = new Histogram({
    name: 'opsfn_run_duration_seconds',
    help: 'How long runs took, by function.',
    labelNames: ['function'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const streak = new Gauge({
    name: 'opsfn_consecutive_failed_runs',
    help: 'Runs in a row, newest last, that ended in outcome fail, by function.',
    labelNames: ['function'],
    registers,
  });
  const last = new Gauge({
    name: 'opsfn_last_run_timestamp_seconds',
    help: 'When the newest run of a function finished (Unix seconds).',
    labelNames: ['function'],
    registers,
  });
  const actions = new Counter({
    name: 'opsfn_actions_total',
    help: 'Guarded actions by function, action and status (done, unchanged, dry-run, refused, failed).',
    labelNames: ['function', 'action', 'status'],
    registers,
  });
  const refusals = new Counter({
    name: 'opsfn_guard_refusals_total',
    help: 'Actions a guardrail refused, by function, action and guardrail.',
    labelNames: ['function', 'action', 'reason'],
    registers,
  });
  const streaks = new Map<string, number>();
  const setStreak = (fn: string, n: number) => {
    streaks.set(fn, n);
    streak.set({ function: fn }, n);
  };
  return {
    observe(envelope) {
      const fn = envelope.function;
      runs.inc({ function: fn, outcome: envelope.outcome });
      const seconds = (Date.parse(envelope.finishedAt) - Date.parse(envelope.startedAt)) / 1000;
      if (Number.isFinite(seconds)) duration.observe({ function: fn }, Math.max(0, seconds));
      last.set({ function: fn }, Date.parse(envelope.finishedAt) / 1000);
      if (envelope.outcome === 'fail') setStreak(fn, (streaks.get(fn) ?? 0) + 1);
      else if (envelope.outcome === 'ok' || envelope.outcome === 'warn') setStreak(fn, 0);
      for (const action of envelope.actions) {
        actions.inc({ function: fn, action: action.action, status: action.status });
        if (action.status === 'refused') {
          refusals.inc({ function: fn, action: action.action, reason: action.by ?? 'unknown' });
        }
      }
    },
    seed(fn, outcomes) {
      const counted = outcomes.filter((o) => o === 'fail' || o === 'ok' || o === 'warn');
      const firstGood = counted.findIndex((o) => o !== 'fail');
      setStreak(fn, firstGood === -1 ? counted.length : firstGood);
    },
  };
}
