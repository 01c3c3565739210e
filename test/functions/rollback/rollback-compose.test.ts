import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Estate, EstateSchema } from '../../../functions/estate.js';
import { defaultRollbackDeps } from '../../../functions/rollback/deps.js';
import { createRollback } from '../../../functions/rollback/handler.js';
import { releasePinCommand } from '../../../functions/rollback/release-pin-command.js';
import { RollbackKeys } from '../../../functions/rollback/state-keys.js';
import { ComposePlatform } from '../../../shared/adapters/platforms/compose-platform.js';
import { DockerEngine } from '../../../shared/adapters/platforms/docker-engine.js';
import type { AlertTrigger } from '../../../shared/core/events/trigger.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { createRuntime, type Runtime } from '../../../shared/host/runtime/runtime.js';
import { captureIo } from '../../support/cli-io.js';
import {
  appService,
  composeCli,
  composeUp,
  importAppImage,
  removeImages,
  removeProject,
  uniqueSuffix,
  writeComposeFile,
} from '../../support/docker.js';
import { captureLogs } from '../../support/estate.js';
import { freePort } from '../../support/local-process.js';
import { recordingNotifier } from '../../support/recording-notifier.js';
import { runRollbackSuite } from './suite.js';

const suffix = uniqueSuffix();
const repo = `opsfn-test-${suffix}/exchange`;
const project = `opsfn-rollback-${suffix}`;
const engine = new DockerEngine();
let dir: string;
let file: string;
let port: number;
let runtime: Runtime;
let config: Estate;
const logs = captureLogs();
const state = new MemoryStateStore();
const notifier = recordingNotifier();

function alert(id: string): AlertTrigger {
  return {
    kind: 'alert',
    id: `am:${suffix}:${id}`,
    alert: {
      source: 'alertmanager',
      name: 'HighErrorRate',
      state: 'firing',
      labels: { alertname: 'HighErrorRate', service: 'app' },
      annotations: {},
      startedAt: new Date().toISOString(),
      fingerprint: `${suffix}-${id}`,
    },
  };
}

async function images(): Promise<string[]> {
  return (await engine.containers(project, 'app')).filter((c) => c.state === 'running').map((c) => c.image);
}

describe('a compose deploy whose new image fails, confirmed by a probe', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsfn-rollback-compose-'));
    port = await freePort();
    await Promise.all([
      importAppImage(repo, 'v1', 200),
      importAppImage(repo, 'v2', 500),
      importAppImage(repo, 'v3', 200),
    ]);
    config = EstateSchema.parse({
      services: { app: { platform: 'compose', project, service: 'app', files: [join(dir, 'docker-compose.yml')] } },
      rollback: {
        policies: [
          {
            match: { alert: 'HighErrorRate' },
            service: 'app',
            errorRate: {
              threshold: '5%',
              window: '1s',
              minRequests: 4,
              probe: { url: `http://127.0.0.1:${port}/health/`, samples: 4, timeout: '1s' },
            },
            settle: '1s',
          },
        ],
      },
    });
    const deps = defaultRollbackDeps({ timing: { waitTimeoutMs: 30_000, pollMs: 200 } });
    runtime = await createRuntime({
      config,
      functions: [createRollback(deps)],
      state,
      notifier,
      logSink: logs.sink,
    });
    // Deploy v1, let the health sweep see it serve (a platform check reads the service as this does), then deploy
    // the broken v2 by hand as a person would: no rollback ran while v1 served.
    file = await writeComposeFile(dir, { app: appService(`${repo}:v1`, port) });
    await composeUp(project, file);
    await new ComposePlatform({ project, service: 'app', files: [file], history: state }).health();
    await writeComposeFile(dir, { app: appService(`${repo}:v2`, port) });
    await composeUp(project, file);
    // The alert fires once v2 has failed for a while, as Alertmanager's `for:` would have it.
    for (let i = 0; i < 100; i++) {
      const [c] = await engine.containers(project, 'app');
      if (c?.image === `${repo}:v2` && c.health === 'unhealthy') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 90_000);

  afterAll(async () => {
    await removeProject(project);
    await removeImages(`${repo}:v1`, `${repo}:v2`, `${repo}:v3`);
    await rm(dir, { recursive: true, force: true });
    await runtime?.close();
  }, 60_000);

  // The deploy above left v2 failing; the suite rolls it back to v1 last, which the release below starts from.
  runRollbackSuite('docker compose', async () => {
    const [cli] = await composeCli();
    const pinFile = join(dir, `.opsfn-pin.${project}.app.yml`);
    return {
      estate: config,
      state,
      service: 'app',
      bad: `${repo}:v2`,
      good: `${repo}:v1`,
      alert,
      invoke: (trigger, options) => runtime.invoke('rollback', trigger, options),
      sent: notifier.sent,
      audits: logs.audits,
      pins: true,
      change: {
        command: `${cli === 'docker' ? 'docker compose' : cli} -p ${project} -f ${file} -f ${pinFile} up -d --no-deps --force-recreate --scale app=1 app`,
      },
      async unchanged() {
        expect(await images()).toEqual([`${repo}:v2`]);
        expect(existsSync(pinFile)).toBe(false);
      },
      async rolledBack(envelope) {
        expect(envelope.items).toMatchObject([{ verification: { state: 'low', reading: { ratio: 0, total: 4 } } }]);
        expect(await images()).toEqual([`${repo}:v1`]);
        expect((await fetch(`http://127.0.0.1:${port}/health/`)).status).toBe(200);
      },
    };
  });

  it('releases the pin with `opsfn release-pin` once the compose file names a fixed image', async () => {
    await writeComposeFile(dir, { app: appService(`${repo}:v3`, port) });
    const io = captureIo({ USER: 'oncall' });
    const code = await releasePinCommand.run(runtime, ['app', '--reason', 'v3 fixes it', '--json'], io);
    expect(code, io.stdout()).toBe(0);
    expect(JSON.parse(io.stdout())).toMatchObject({
      outcome: 'ok',
      actions: [{ action: 'release-pin', status: 'done' }],
    });
    expect(await images()).toEqual([`${repo}:v3`]);
    expect(existsSync(join(dir, `.opsfn-pin.${project}.app.yml`))).toBe(false);
    expect(await state.get(RollbackKeys.pin('app'))).toBeUndefined();
  }, 60_000);
});
