import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo } from '../../demo/index.js';
import { type ServeArgs, serve } from '../../shared/host/cli/serve-cmd.js';
import { createOpsMetrics } from '../../shared/host/metrics/index.js';
import { createRuntime, loadConfig, RUN_STEPS, type Runtime } from '../../shared/host/runtime/index.js';
import { functions as registry, estate as schema } from './catalogue.js';
import { captureIo } from './cli-io.js';

/** The demo estate served as `npm start` serves it, on a free port, with its operator tokens. */
export async function serveDemo(options: Pick<ServeArgs, 'trustedProxies'> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'opsfn-console-'));
  const demo = await startDemo(dir);
  const env = { ...process.env, ...demo.env };
  const config = await loadConfig(schema, demo.config, { env });
  const metrics = createOpsMetrics({ config, functions: registry });
  const logs: string[] = [];
  const runtime: Runtime = await createRuntime({
    config,
    functions: registry,
    env,
    steps: [...RUN_STEPS, metrics.step],
    logSink: (line) => logs.push(line),
  });
  const io = captureIo(env);
  const serving = await serve(runtime, { port: 0, host: '127.0.0.1', scheduler: false, metrics, ...options }, io);
  return {
    url: serving.url,
    runtime,
    metrics,
    logs,
    tokens: { alice: demo.env.OPSFN_DEMO_ALICE as string, bob: demo.env.OPSFN_DEMO_BOB as string },
    /** Runs the demo's first minute and resolves when its five runs are done. */
    async firstRuns(): Promise<string[]> {
      const lines: string[] = [];
      await new Promise<void>((resolve) => {
        demo.started(runtime, (line) => {
          lines.push(line);
          if (lines.length === 5) resolve();
        });
      });
      return lines;
    },
    async stop() {
      await serving.stop();
      await demo.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
