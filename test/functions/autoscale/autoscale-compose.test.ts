import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { defaultAutoscaleDeps } from '../../../functions/autoscale/deps.js';
import { createAutoscale } from '../../../functions/autoscale/handler.js';
import { EstateSchema } from '../../../functions/estate.js';
import { DockerEngine } from '../../../shared/adapters/platforms/docker-engine.js';
import { createTestRunner, type TestRunner, testClock } from '../../../shared/testing/index.js';
import {
  composeCli,
  composeUp,
  importAppImage,
  removeImages,
  removeProject,
  uniqueSuffix,
  writeComposeFile,
} from '../../support/docker.js';
import { episodes, MINUTE } from './harness.js';
import { runAutoscaleSuite } from './suite.js';

const suffix = uniqueSuffix();
const image = `opsfn-test-${suffix}/api:v1`;
const project = `opsfn-autoscale-${suffix}`;
const clock = testClock();
const latency = episodes('HighLatency', clock.now);
const engine = new DockerEngine();
let dir: string;
let file: string;
let runner: TestRunner;

const running = async () => (await engine.containers(project, 'api')).filter((c) => c.state === 'running').length;

describe('a compose project of one api container (runbook 002: scale out on latency and errors)', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsfn-autoscale-compose-'));
    await importAppImage(`opsfn-test-${suffix}/api`, 'v1', 200);
    file = await writeComposeFile(dir, {
      api: { image, network_mode: 'host', init: true, command: ['sleep', '3600'] },
    });
    await composeUp(project, file);
    const config = EstateSchema.parse({
      services: { api: { platform: 'compose', project, service: 'api', files: [file] } },
      autoscale: {
        policies: [
          { match: { alert: 'HighLatency' }, service: 'api', up: { step: '+1', max: 3 }, down: { after: '5m' } },
        ],
      },
    });
    const definition = createAutoscale(defaultAutoscaleDeps({ timing: { waitTimeoutMs: 30_000, pollMs: 200 } }));
    runner = createTestRunner(definition, { estate: config, now: clock.now });
  }, 60_000);

  afterAll(async () => {
    await removeProject(project);
    await removeImages(image);
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  runAutoscaleSuite('docker compose', async () => {
    const [cli] = await composeCli();
    return {
      state: runner.state,
      service: 'api',
      // One runner across the tests: each test's alert is a new episode of its fingerprint, as it would be.
      alert: (fingerprint, state) => latency(`${fingerprint}-${suffix}`, state),
      invoke: async (trigger, options) => (await runner.run(trigger, options)).envelope,
      advance: clock.advance,
      level: running,
      from: 1,
      to: 2,
      downAfter: 5 * MINUTE,
      manual: {
        payload: { service: 'api', replicas: 2, reason: 'load test' },
        summary: 'api: containers 1 → 2 (load test)',
        level: 2,
      },
      refused: { payload: { service: 'api', min: 3, reason: 'wrong knob' }, message: /give "replicas"/ },
      change: {
        command: `${cli === 'docker' ? 'docker compose' : cli} -p ${project} -f ${file} up -d --no-deps --no-recreate --scale api=2 api`,
      },
      unchanged: async () => expect(await running()).toBe(1),
    };
  });
});
