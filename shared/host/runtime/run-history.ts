import type { ResultEnvelope } from '../../core/run/index.js';
import { boundList } from '../../core/run/index.js';
import type { StateStore } from '../../core/state/index.js';
import type { RunStep } from './run-step.js';

/** How many envelopes the history keeps per function. */
export const HISTORY_LENGTH = 50;

/** How long a function's history outlives its last run. */
export const HISTORY_TTL_MS = 90 * 86_400_000;

// Fifty envelopes of up to 2 MiB each would make one function's history 100 MiB; items past this are counted, not kept.
const ENTRY_BYTES = 1024 * 1024;

/** The state key of a function's run history. */
export const historyKey = (fn: string) => `history:${fn}`;

/** One run as the history keeps it: its envelope (items bounded) and the trace it came with. */
export interface HistoryEntry {
  envelope: ResultEnvelope;
  traceId?: string;
}

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/** The envelope with as many items as fit the history's per-entry bound, the rest counted in `omitted.items`. */
export function historyEntry(envelope: ResultEnvelope, traceId?: string): HistoryEntry {
  const withoutItems = { ...envelope, items: [] };
  const room = ENTRY_BYTES - bytesOf(withoutItems);
  const { kept, omitted } = boundList(envelope.items, envelope.items.length, Math.max(room, 0));
  const bounded: ResultEnvelope =
    omitted === 0
      ? envelope
      : { ...envelope, items: kept, omitted: { ...envelope.omitted, items: (envelope.omitted?.items ?? 0) + omitted } };
  return { envelope: bounded, ...(traceId ? { traceId } : {}) };
}

/**
 * The run step that keeps the last {@link HISTORY_LENGTH} envelopes of each function in the state
 * store, for the console and the metrics of a restarted process. A run that never reached its
 * function (rejected, a duplicate) is not kept, and a history that cannot be written never fails a run.
 */
export const historyStep: RunStep = {
  name: 'history',
  when: (run) => run.ctx.stateAvailable,
  async after(run, result) {
    try {
      const entry = historyEntry(result, run.options.trace?.traceId);
      await run.services.state.push(historyKey(run.definition.name), entry, HISTORY_LENGTH, HISTORY_TTL_MS);
    } catch (error) {
      run.log.warn('run history not written', { error: (error as Error).message });
    }
  },
};

/** The newest runs of a function, newest first; empty when none is kept. */
export async function readHistory(state: StateStore, fn: string, limit = HISTORY_LENGTH): Promise<HistoryEntry[]> {
  return state.list<HistoryEntry>(historyKey(fn), limit);
}
