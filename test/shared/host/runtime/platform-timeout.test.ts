import { describe, expect, it } from 'vitest';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { boundByPlatform, createRuntime } from '../../../../shared/host/runtime/runtime.js';
import { captureLogs, testEstate } from '../../../support/estate.js';

describe("a run inside the platform's request timeout", () => {
  it("caps limits.timeout at the platform's timeout less a margin, and never raises it", () => {
    const estate = testEstate();
    expect(estate.limits.timeout).toBe(540_000);
    expect(boundByPlatform(estate, { OPSFN_FUNCTION_TIMEOUT: '120' }).limits.timeout).toBe(105_000);
    expect(boundByPlatform(estate, { OPSFN_FUNCTION_TIMEOUT: '540' }).limits.timeout).toBe(525_000);
    expect(boundByPlatform(estate, {}).limits.timeout).toBe(540_000);
    const short = testEstate({ limits: { timeout: '60s' } });
    expect(boundByPlatform(short, { OPSFN_FUNCTION_TIMEOUT: '120' }).limits.timeout).toBe(60_000);
  });

  it('ends a run that would outlast a 20 s platform timeout itself, before the platform would cut it', async () => {
    const logs = captureLogs();
    const slow = defineFunction({
      name: 'slow',
      description: 'waits until it is stopped',
      triggers: ['manual'],
      input: z.object({}),
      async run(ctx) {
        await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
        return { outcome: 'ok', summary: 'never' };
      },
    });
    const runtime = await createRuntime({
      config: testEstate(),
      functions: [slow],
      state: new MemoryStateStore(),
      env: { OPSFN_FUNCTION_TIMEOUT: '20' },
      logSink: logs.sink,
    });
    try {
      expect(runtime.config.limits.timeout).toBe(5_000);
      const started = Date.now();
      const envelope = await runtime.invoke('slow', { kind: 'manual', id: 'm-1', payload: {} });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(envelope.outcome).toBe('fail');
      expect(envelope.summary).toBe('slow did not finish within 5s');
    } finally {
      await runtime.close();
    }
  }, 30_000);
});
