import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { serve } from '../../../../shared/host/cli/serve-cmd.js';
import { createOpsMetrics } from '../../../../shared/host/metrics/index.js';
import { createRuntime, loadConfig, RUN_STEPS } from '../../../../shared/host/runtime/index.js';
import { estate, functions } from '../../../support/catalogue.js';
import { captureIo } from '../../../support/cli-io.js';

describe('a scraper token scoped to /metrics', () => {
  it('is a valid grant, reads /metrics, and may call nothing else', async () => {
    // What the metrics README and deploy/prometheus tell an operator to configure.
    const file = join(mkdtempSync(join(tmpdir(), 'opsfn-scrape-')), 'opsfn.yaml');
    writeFileSync(
      file,
      [
        'estate: scrape',
        'auth:',
        '  tokens:',
        '    - { name: prometheus, token: { env: SCRAPE }, allow: [{ function: metrics }] }',
        '    - { name: oncall, token: { env: ONCALL } }',
      ].join('\n'),
    );
    const env = { SCRAPE: 'scrape-token-5b1d', ONCALL: 'oncall-token-77e0' };
    const config = await loadConfig(estate, file, { env });
    const metrics = createOpsMetrics({ config, functions });
    const runtime = await createRuntime({
      config,
      functions,
      env,
      state: new MemoryStateStore(),
      steps: [...RUN_STEPS, metrics.step],
      logSink: () => {},
    });
    const served = await serve(runtime, { port: 0, host: '127.0.0.1', scheduler: false, metrics }, captureIo(env));
    try {
      const as = (token: string) => ({ authorization: `Bearer ${token}` });
      const scraped = await fetch(`${served.url}/metrics`, { headers: as(env.SCRAPE) });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('opsfn_');
      const run = await fetch(`${served.url}/rollback`, {
        method: 'POST',
        headers: { ...as(env.SCRAPE), 'content-type': 'application/json' },
        body: '{}',
      });
      expect(run.status).toBe(403);
      expect((await fetch(`${served.url}/metrics`, { headers: as(env.ONCALL) })).status).toBe(200);
    } finally {
      await served.stop();
    }
  });
});
