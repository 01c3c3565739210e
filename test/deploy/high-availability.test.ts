import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createStateStore } from '../../shared/core/state/create.js';
import type { StateStore } from '../../shared/core/state/state-store.js';
import { FakeKubernetes } from '../fakes/kubernetes.js';
import { uniqueSuffix } from '../support/docker.js';
import { freePort, spawnTracked, waitReady } from '../support/local-process.js';

const ROOT = join(import.meta.dirname, '../..');
const suffix = uniqueSuffix();
const prefix = `opsfn-test-ha-${suffix}:`;
const SCALE = /^\/apis\/apps\/v1\/namespaces\/shop\/deployments\/backend\/scale$/;

interface Audit {
  decision?: string;
  reason?: string;
  trigger?: { id?: string };
}

type Replica = ReturnType<typeof spawnTracked> & { url: string };

/** `opsfn serve` from the sources, as a separate process: the same CLI the image runs. */
async function startReplica(config: string, schedules: string, dir: string): Promise<Replica> {
  const port = await freePort();
  const cli = `const { run } = await import(${JSON.stringify(join(ROOT, 'functions/cli.ts'))}); process.exitCode = await run(process.argv.slice(1));`;
  const args = ['--import', 'tsx', '--input-type=module', '-e', cli];
  const replica = spawnTracked(
    process.execPath,
    [...args, 'serve', '--config', config, '--port', String(port), '--schedules', schedules],
    join(dir, `replica-${port}`),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/healthz`, 30_000, replica.output);
  return { ...replica, url };
}

const audits = (replica: Replica): Audit[] =>
  replica
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Audit);

describe('two opsfn serve replicas on one Redis', () => {
  let dir: string;
  let k8s: FakeKubernetes;
  let state: StateStore;
  let replicas: Replica[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsfn-ha-'));
    k8s = new FakeKubernetes();
    await k8s.server.start();
    k8s.addDeployment('shop', 'backend', ['app:1'], [new Date('2026-02-01T00:00:00Z')], 3);
    const schedules = join(dir, 'schedules');
    await mkdir(schedules);
    await writeFile(
      join(schedules, 'every-second.yaml'),
      stringify({ name: 'every-second', schedule: '* * * * * *', function: 'autoscale', retry: { count: 0 } }),
    );
    const config = join(dir, 'opsfn.yaml');
    await writeFile(
      config,
      stringify({
        estate: 'ha',
        state: { redis: 'redis://127.0.0.1:6379', prefix },
        services: {
          backend: { platform: 'kubernetes', namespace: 'shop', deployment: 'backend', server: k8s.server.url },
        },
        autoscale: { policies: [{ match: { alert: 'BackendSlow' }, service: 'backend', up: { step: '+2', max: 5 } }] },
      }),
    );
    state = await createStateStore({ redis: 'redis://127.0.0.1:6379', prefix }, { secret: async () => '' });
    replicas = await Promise.all([startReplica(config, schedules, dir), startReplica(config, schedules, dir)]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    for (const key of await state.keys('')) await state.delete(key);
    await state.close();
    await k8s.server.stop();
    await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('runs a per-second scheduled job once per tick between them', async () => {
    await delay(5_500);
    const finished = replicas.map((r) =>
      audits(r)
        .filter((a) => a.decision === 'finished')
        .map((a) => a.trigger?.id),
    );
    const received = replicas.map(
      (r) =>
        new Set(
          audits(r)
            .filter((a) => a.decision === 'received')
            .map((a) => a.trigger?.id),
        ),
    );
    // A tick of the last moments may still be running on a loaded machine: only those due a while ago count.
    const settled = (id: string | undefined) => Date.parse(id?.split(':every-second:')[1] ?? '') < Date.now() - 1_500;
    const both = [...(received[0] ?? [])].filter((id) => received[1]?.has(id) && settled(id));
    expect(both.length, 'ticks both replicas fired').toBeGreaterThanOrEqual(3);
    for (const tick of both) {
      expect(
        finished.flat().filter((id) => id === tick),
        tick,
      ).toHaveLength(1);
    }
  }, 20_000);

  it('acts once on an alert Alertmanager delivers to both', async () => {
    const body = JSON.stringify({
      version: '4',
      status: 'firing',
      receiver: 'opsfn',
      groupKey: '{}:{alertname="BackendSlow"}',
      groupLabels: { alertname: 'BackendSlow' },
      commonLabels: { alertname: 'BackendSlow' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'BackendSlow', namespace: 'shop', deployment: 'backend' },
          annotations: {},
          startsAt: new Date().toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: `${suffix}00000000`,
        },
      ],
    });
    // Each replica answers as Alertmanager needs: the one that runs it 200, the other 409 while that run is in
    // progress (retryable), so Alertmanager redelivers; the redelivery then finds it done.
    const deliver = (r: (typeof replicas)[number]) =>
      fetch(`${r.url}/autoscale`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const replies = await Promise.all(replicas.map(deliver));
    const answers = await Promise.all(replies.map(async (r) => `${r.status} ${await r.text()}`));
    expect(
      replies.map((r) => r.status).every((s) => s === 200 || s === 409),
      answers.join('\n'),
    ).toBe(true);
    for (const [i, reply] of replies.entries()) {
      const replica = replicas[i];
      if (reply.status !== 409 || !replica) continue;
      let again = await deliver(replica);
      for (let n = 0; again.status === 409 && n < 50; n++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        again = await deliver(replica);
      }
      expect(again.status).toBe(200);
      expect(((await again.json()) as { duplicate?: boolean }).duplicate).toBe(true);
    }
    expect(k8s.server.find('PATCH', SCALE)).toHaveLength(1);
    expect(k8s.deployments.get('shop/backend')?.spec.replicas).toBe(5);
    const acted = replicas.flatMap((r) => audits(r).filter((a) => a.decision === 'intent'));
    expect(acted).toHaveLength(1);
  }, 30_000);
});
