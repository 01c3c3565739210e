import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { createRunner } from '../../../../shared/host/runtime/invoke.js';
import { HISTORY_LENGTH, historyEntry, readHistory } from '../../../../shared/host/runtime/run-history.js';
import { createServices } from '../../../../shared/host/runtime/services.js';
import { testEstate } from '../../../support/estate.js';
import { type CallLog, makeMutateFunction } from '../../../support/mutate-function.js';

const manual = (id: string, payload: Record<string, unknown> = {}) => ({ kind: 'manual' as const, id, payload });

describe('the run history', () => {
  it('keeps the envelopes of runs that reached the function, newest first, with their trace', async () => {
    const state = new MemoryStateStore();
    const run = createRunner(createServices({ config: testEstate(), state, logSink: () => {} }));
    const fn = makeMutateFunction(new Map() as CallLog);
    const first = await run(fn, manual('a', { target: 'web' }), { trace: { traceId: 'a'.repeat(32) } });
    await run(fn, manual('a', { target: 'web' }));
    await run(fn, manual('b', { target: 42 }));
    const second = await run(fn, manual('c', { target: 'api' }), { dryRun: true });
    const history = await readHistory(state, 'mutate');
    expect(history.map((h) => h.envelope.runId)).toEqual([second.runId, first.runId]);
    expect(history[1]?.traceId).toBe('a'.repeat(32));
  });

  it('holds at most its bound of runs per function', async () => {
    const state = new MemoryStateStore();
    const run = createRunner(createServices({ config: testEstate(), state, logSink: () => {} }));
    const fn = makeMutateFunction(new Map() as CallLog);
    for (let i = 0; i < HISTORY_LENGTH + 3; i++) await run(fn, manual(`r${i}`), { dryRun: true });
    expect(await readHistory(state, 'mutate', 1000)).toHaveLength(HISTORY_LENGTH);
  });

  it('cuts the items of a huge envelope to its per-entry bound and counts what it left out', () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ i, pad: 'x'.repeat(2000) }));
    const envelope = {
      function: 'f',
      runId: 'r',
      trigger: { kind: 'manual', id: 'm' },
      dryRun: false,
      startedAt: '',
      finishedAt: '',
      outcome: 'ok' as const,
      summary: '',
      items,
      actions: [],
      notifications: [],
    };
    const { envelope: kept } = historyEntry(envelope);
    expect(kept.items.length).toBeGreaterThan(400);
    expect(kept.items.length + (kept.omitted?.items ?? 0)).toBe(1000);
    expect(Buffer.byteLength(JSON.stringify(kept))).toBeLessThanOrEqual(1024 * 1024);
  });
});
