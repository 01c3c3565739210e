import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Estate } from '../../core/config/index.js';
import type { StateStore } from '../../core/state/index.js';
import type { AnyFunction } from '../runtime/index.js';
import { HISTORY_LENGTH, type HistoryEntry, historyEntry, type RunStep, readHistory } from '../runtime/index.js';
import { estateMetrics } from './estate-metrics.js';
import { runMetrics } from './run-metrics.js';

/** The Prometheus metrics of one `opsfn serve`. */
export interface OpsMetrics {
  readonly registry: Registry;
  /** The run step that counts every finished run and keeps it for the estate gauges. */
  readonly step: RunStep;
  /** Loads the kept run history, so gauges and failure streaks survive a restart; a state store that is down leaves them empty. */
  load(state: StateStore): Promise<void>;
  /** The exposition text and its content type, for `GET /metrics`. */
  render(): Promise<{ contentType: string; body: string }>;
}

/**
 * Builds the metrics of a process on a registry of its own (no global default registry): process
 * figures, runs by function and outcome, durations, actions, guard refusals, and the estate as the
 * newest runs saw it (certificates, backups, health checks, drills, breaker and kill switch).
 */
export function createOpsMetrics(process: {
  config: Estate;
  functions: readonly AnyFunction[];
  now?: () => Date;
}): OpsMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'opsfn_process_' });
  const runs = runMetrics(registry);
  const histories = new Map<string, HistoryEntry[]>();
  const functions = process.functions.map((f) => f.name);
  const now = process.now ?? (() => new Date());
  let store: StateStore | undefined;
  estateMetrics(registry, {
    config: process.config,
    state: () => store,
    functions,
    now,
    history: (fn) => histories.get(fn) ?? [],
  });
  return {
    registry,
    step: {
      name: 'metrics',
      async after(_run, result) {
        runs.observe(result);
        const kept = histories.get(result.function) ?? [];
        histories.set(result.function, [historyEntry(result), ...kept].slice(0, HISTORY_LENGTH));
      },
    },
    async load(state) {
      store = state;
      for (const fn of functions) {
        const history = await readHistory(state, fn).catch(() => undefined);
        // Unread, the streak is unknown: a 0 would resolve a "failed runs in a row" alert that is still true.
        if (history === undefined) continue;
        histories.set(fn, history);
        runs.seed(
          fn,
          history.map((h) => h.envelope.outcome),
        );
      }
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
