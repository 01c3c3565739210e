import { describe, expect, it } from 'vitest';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import { boundEnvelope, boundList, boundText, ResultLimits } from '../../../../shared/core/run/result-bounds.js';
import type { ResultEnvelope } from '../../../../shared/core/run/types.js';
import * as z from '../../../../shared/core/schema/index.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { idempotencyKey } from '../../../../shared/host/runtime/idempotency.js';
import { runForTest } from '../../../../shared/testing/index.js';
import { captureLogs, testEstate } from '../../../support/estate.js';

const base: ResultEnvelope = {
  function: 'f',
  runId: 'r',
  trigger: { kind: 'manual', id: 'm' },
  dryRun: false,
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.000Z',
  outcome: 'ok',
  summary: 'ok',
  items: [],
  actions: [],
  notifications: [],
};
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** A function whose result is as large as its payload asks. */
const flood = defineFunction<{ items: number; size: number }>({
  name: 'flood',
  description: 'returns many large items',
  triggers: ['manual'],
  input: z.object({ items: z.number(), size: z.number() }),
  async run(_ctx, input) {
    const n = input?.items ?? 0;
    const item = 'x'.repeat(input?.size ?? 1);
    return { outcome: 'ok', summary: 'y'.repeat(50_000), items: Array.from({ length: n }, (_, i) => ({ i, item })) };
  },
});

describe('result bounds', () => {
  it('keeps the first entries of a list that fit in count and bytes', () => {
    expect(boundList([1, 2, 3, 4], 2)).toEqual({ kept: [1, 2], omitted: 2 });
    expect(boundList(['aaaa', 'bbbb', 'cccc'], 10, 16)).toEqual({ kept: ['aaaa', 'bbbb'], omitted: 1 });
    expect(boundText('abcdef', 3)).toBe('abc… (3 more characters)');
  });

  it('cuts an envelope of 5,000 items to 1,000 and counts the rest', () => {
    const out = boundEnvelope({ ...base, items: Array.from({ length: 5000 }, (_, i) => i) });
    expect(out.items).toHaveLength(ResultLimits.listEntries);
    expect(out.omitted).toEqual({ items: 4000 });
  });

  it('replaces an oversized extra field by its size', () => {
    const out = boundEnvelope({ ...base, report: 'z'.repeat(3 * 1024 * 1024) });
    expect(out.report).toEqual({ omitted: expect.stringContaining('over the 2097152-byte result limit') });
    expect(bytes(out)).toBeLessThan(ResultLimits.bytes);
  });

  it('never answers or stores a result over 2 MiB, whatever the run returned', async () => {
    const state = new MemoryStateStore();
    const logs = captureLogs();
    const { envelope } = await runForTest(
      flood,
      { kind: 'manual', id: 'big', payload: { items: 800, size: 20_000 } },
      { estate: testEstate(), state, logSink: logs.sink },
    );
    expect(bytes(envelope)).toBeLessThanOrEqual(ResultLimits.bytes);
    expect(envelope.items.length).toBeGreaterThan(50);
    expect(envelope.items.length + (envelope.omitted?.items ?? 0)).toBe(800);
    expect(envelope.summary).toMatch(/… \(46000 more characters\)$/);
    const stored = await state.get<{ outcome: ResultEnvelope }>(
      idempotencyKey('flood', { kind: 'manual', id: 'big', payload: { items: 800, size: 20_000 } }),
    );
    expect(stored).toBeDefined();
    expect(bytes(stored)).toBeLessThan(ResultLimits.bytes + 1024);
    expect(logs.audits().find((a) => a.decision === 'finished')?.evidence).toMatchObject({
      items: envelope.items.length,
    });
  });
});
