import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAutoscaleDeps } from '../../../functions/autoscale/deps.js';
import { createAutoscale } from '../../../functions/autoscale/handler.js';
import { AutoscaleKeys } from '../../../functions/autoscale/state-keys.js';
import { EstateSchema } from '../../../functions/estate.js';
import { DockerEngine } from '../../../shared/adapters/platforms/docker-engine.js';
import type { Trigger } from '../../../shared/core/events/trigger.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { runFunction } from '../../../shared/host/runtime/invoke.js';
import {
  composeCli,
  composeUp,
  importAppImage,
  removeImages,
  removeProject,
  uniqueSuffix,
  writeComposeFile,
} from '../../support/docker.js';
import { recordingNotifier } from '../../support/recording-notifier.js';
import { alert, MINUTE, sweep } from './harness.js';

const suffix = uniqueSuffix();
const image = `opsfn-test-${suffix}/api:v1`;
const project = `opsfn-autoscale-${suffix}`;
const clock = { now: Date.now() };
const state = new MemoryStateStore({ now: () => clock.now });
const engine = new DockerEngine();
let dir: string;
let file: string;
let invoke: (trigger: Trigger, dryRun?: boolean) => ReturnType<typeof runFunction>;

const running = async () => (await engine.containers(project, 'api')).filter((c) => c.state === 'running').length;

describe('autoscale on docker compose (runbook 002: scale out on latency and errors)', () => {
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
    invoke = (trigger, dryRun = false) =>
      runFunction(definition, trigger, {
        config,
        state,
        dryRun,
        now: () => new Date(clock.now),
        notifier: recordingNotifier(),
        logSink: () => {},
      });
  }, 60_000);

  afterAll(async () => {
    await removeProject(project);
    await removeImages(image);
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('shows the exact --scale command in dry-run and starts nothing', async () => {
    const [cli] = await composeCli();
    const envelope = await invoke(alert('HighLatency', `dry-${suffix}`), true);
    expect(envelope.actions).toMatchObject([
      {
        action: 'scale-up',
        status: 'dry-run',
        change: {
          before: 1,
          after: 2,
          command: `${cli === 'docker' ? 'docker compose' : cli} -p ${project} -f ${file} up -d --no-deps --no-recreate --scale api=2 api`,
        },
      },
    ]);
    expect(await running()).toBe(1);
    // Even a dry-run records the alert in the trail; forget it so the next test starts with none firing.
    for (const key of await state.keys('')) await state.delete(key);
  });

  it('steps the containers up on an alert and back to the baseline once it has resolved', async () => {
    const fingerprint = `slow-${suffix}`;
    const up = await invoke(alert('HighLatency', fingerprint));
    expect(up.summary).toBe('api: up 1 → 2');
    expect(await running()).toBe(2);
    expect(await state.get(AutoscaleKeys.scale('api'))).toMatchObject({ baseline: 1, applied: 2 });

    await invoke(alert('HighLatency', fingerprint, 'resolved'));
    clock.now += 6 * MINUTE;
    const down = await invoke(sweep());
    expect(down.summary).toBe('api: down 2 → 1');
    expect(await running()).toBe(1);
    expect(await state.get(AutoscaleKeys.scale('api'))).toBeUndefined();
  }, 60_000);

  it('sets the container count by hand, and refuses "min" for a compose service', async () => {
    const manual = (payload: Record<string, unknown>): Trigger => ({
      kind: 'manual',
      id: `manual:${suffix}:${JSON.stringify(payload)}`,
      payload,
      caller: 'test',
    });
    const set = await invoke(manual({ service: 'api', replicas: 2, reason: 'load test' }));
    expect(set.summary).toBe('api: containers 1 → 2 (load test)');
    expect(await running()).toBe(2);
    const refused = await invoke(manual({ service: 'api', min: 3, reason: 'wrong knob' }));
    expect(refused).toMatchObject({
      outcome: 'rejected',
      error: { message: expect.stringMatching(/give "replicas"/) },
    });
    expect(await running()).toBe(2);
  }, 60_000);
});
