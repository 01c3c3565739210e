import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { RedisStateStore } from '../../shared/core/state/redis.js';
import { type FrameworkProcess, startFrameworkProcess } from '../support/framework-process.js';
import { type PubSubEmulator, startPubSubEmulator } from '../support/pubsub-emulator.js';
import { REDIS_URL, redisPrefix } from '../support/redis-prefix.js';
import { TestPki } from '../support/tls-pki.js';
import { type RunningServer, serveOptions, startHangingServer, startTlsServer } from '../support/tls-servers.js';
import { publish, pushSubscribe, RoundRobinFront, unsubscribe, waitFor } from './pubsub-wiring.js';
import { readTopology, type Topology } from './terraform-topology.js';

// Two certExpiry instances, as functions-framework runs them when deployed, drain the shards of one run that
// Pub/Sub pushes through a front standing in for Cloud Run's load balancer; one instance is killed mid-shard.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PROJECT = 'demo-opsfn-fanout';
const ENDPOINTS = 8;
const PER_SHARD = 2;

const redis = redisPrefix('fanout-e2e');
const dir = mkdtempSync(join(tmpdir(), 'opsfn-fanout-'));
let emulator: PubSubEmulator;
let topology: Topology;
let pki: TestPki;
let tls: RunningServer;
let hanging: RunningServer;
let front: RoundRobinFront;
let workers: FrameworkProcess[] = [];
let killed: number | undefined;
let state: RedisStateStore;
let frontUrl: string;

beforeAll(async () => {
  const started = startPubSubEmulator();
  pki = new TestPki();
  const ca = pki.issue({ name: 'root', cn: 'fanout root', key: pki.key('root'), fromDays: -1, toDays: 3650, ca: true });
  const leaf = pki.issue({
    name: 'leaf',
    cn: 'ok.test.local',
    key: pki.key('leaf'),
    issuer: ca,
    fromDays: -1,
    toDays: 200,
    sans: ['DNS:ok.test.local'],
  });
  tls = await startTlsServer(serveOptions(leaf));
  hanging = await startHangingServer();
  // Every shard holds one endpoint that answers at once and one that never does: each shard lasts a probe timeout.
  const endpoints = Array.from({ length: ENDPOINTS }, (_, i) =>
    i % 2 === 0
      ? { host: `ok${i}.test.local`, servername: 'ok.test.local', address: '127.0.0.1', port: tls.port }
      : { host: `hang${i}.test.local`, address: '127.0.0.1', port: hanging.port },
  );
  const config = join(dir, 'opsfn.yaml');
  writeFileSync(
    config,
    stringify({
      estate: 'fanout-e2e',
      auth: { mode: 'platform' },
      state: { redis: REDIS_URL, prefix: redis.prefix },
      limits: { timeout: '6s', shards: { endpoints: PER_SHARD, deadline: '10m' } },
      certificates: { timeout: '1500ms', caFile: ca.path, endpoints },
    }),
  );
  topology = await readTopology(ROOT, PROJECT);
  emulator = await started;
  const shards = topology.subscriptions.find((s) => s.entryPoint === 'certExpiry' && s.topic.startsWith('shards-'));
  const schedules = topology.subscriptions.find(
    (s) => s.entryPoint === 'certExpiry' && s.topic.startsWith('schedules-'),
  );
  if (!shards || !schedules) throw new Error('terraform gives certExpiry no shards or schedules subscription');
  for (const sub of [shards, schedules]) {
    await emulator.createTopic(PROJECT, topology.topicName(sub.topic));
    await emulator.createTopic(PROJECT, String(sub.deadLetterTopic.split('/').at(-1)));
  }
  const env = {
    OPSFN_CONFIG: config,
    PUBSUB_EMULATOR_HOST: emulator.host,
    OPSFN_CONTINUATION_TOPIC: shards.fullTopic,
    NODE_ENV: 'production',
  };
  workers = await Promise.all([0, 1].map(() => startFrameworkProcess('certExpiry', env)));
  front = new RoundRobinFront(
    workers.map((w) => w.url),
    ({ job, worker }) => {
      // The first shard pushed to worker 0 dies with it, mid-probe, before any reply.
      if (killed !== undefined || worker !== 0 || !job?.startsWith('continue:')) return;
      killed = worker;
      front.dead.add(worker);
      setTimeout(() => void workers[worker]?.kill(), 300);
    },
  );
  await new Promise<void>((done) => front.server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(front.server.address() as AddressInfo).port}`;
  frontUrl = url;
  // The emulator redelivers about once a second, not with the subscription's backoff: enough attempts to outlast
  // the idempotency claim the killed instance left (limits.timeout + 1 min), as production's backoff does.
  for (const sub of [shards, schedules]) {
    await pushSubscribe(emulator, PROJECT, { ...sub, maxDeliveryAttempts: 100 }, `${url}${sub.endpointPath}`);
  }
  state = await RedisStateStore.open({ url: REDIS_URL, prefix: redis.prefix });
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await new Promise((done) => (front?.server as Server | undefined)?.close(done) ?? done(undefined));
  await emulator?.stop();
  await tls?.close();
  await hanging?.close();
  pki?.cleanup();
  await state?.close();
  await redis.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((wait) => setTimeout(wait, 250));
  }
}

describe('a certExpiry run split into shards over Pub/Sub', () => {
  it('aggregates exactly its shards, though an instance dies mid-shard: redelivered, counted once', async () => {
    await publish(emulator, PROJECT, topology.topicName('schedules-cert-expiry'), '{}', 'cert-expiry');
    const audits = () => workers.flatMap((w) => w.audits());
    const fanout = await waitFor(() => audits().find((a) => a.action === 'fanout'), 30_000);
    const runId = String(fanout.target);
    const result = await poll(
      () => state.get<{ items: { endpoint: string; status: string }[] }>(`fanout:certExpiry:${runId}:result`),
      110_000,
    );
    expect(result).toMatchObject({ runId, fanout: { shards: ENDPOINTS / PER_SHARD, failed: [] } });
    const { items } = result;
    expect(items.map((i) => i.endpoint)).toEqual(
      Array.from(
        { length: ENDPOINTS },
        (_, i) => `${i % 2 === 0 ? 'ok' : 'hang'}${i}.test.local:${i % 2 === 0 ? tls.port : hanging.port}`,
      ),
    );
    expect(items.filter((i) => i.status === 'error')).toHaveLength(ENDPOINTS / 2);
    // The killed instance's shard went to the other instance afterwards, and both instances took shards.
    expect(killed).toBe(0);
    const shardPushes = front.forwarded.filter((f) => f.job === 'continue:certExpiry');
    const lost = shardPushes.find((f) => f.worker === 0 && f.status === 502);
    expect(lost).toBeDefined();
    // The lost shard finishes last (its claim outlived the killed instance) and writes the run's result before it
    // answers its push: that answer may still be on the way.
    await waitFor(
      () => front.forwarded.find((f) => f.messageId === lost?.messageId && f.worker === 1 && f.status < 300),
      10_000,
    );
    expect(await state.addMember(`fanout:certExpiry:${runId}:done`, '0', 60_000)).toMatchObject({
      added: false,
      size: ENDPOINTS / PER_SHARD,
    });
    await waitFor(() => audits().find((a) => a.action === 'fanout.finish'), 10_000);
    expect(audits().filter((a) => a.action === 'fanout.finish')).toHaveLength(1);
  }, 150_000);

  it('reports a shard whose every delivery fails as soon as Pub/Sub dead-letters it, not at the run’s deadline', async () => {
    // Production's policy: 5 deliveries, then the dead-letter topic, whose own push subscription the function has.
    const shards = topology.subscriptions.find((s) => s.entryPoint === 'certExpiry' && s.topic.startsWith('shards-'));
    const dead = topology.deadLetterPushes.find((s) => s.entryPoint === 'certExpiry');
    if (!shards || !dead) throw new Error('terraform gives certExpiry no shards or dead-letter subscription');
    expect(dead.fullTopic).toBe(shards.deadLetterTopic);
    await unsubscribe(emulator, PROJECT, shards.name);
    await pushSubscribe(emulator, PROJECT, { ...shards, maxDeliveryAttempts: 5 }, `${frontUrl}${shards.endpointPath}`);
    await pushSubscribe(emulator, PROJECT, dead, `${frontUrl}${dead.endpointPath}`);
    // No instance is killed this time; every instance crashes on shard 1 of the run instead.
    killed ??= -1;
    // The same shard coming back from the dead-letter topic reaches the function.
    front.refuse = ({ job, data, attributes }) =>
      job === 'continue:certExpiry' &&
      (data as { shard?: { index?: number } }).shard?.index === 1 &&
      attributes.CloudPubSubDeadLetterSourceDeliveryCount === undefined;
    const before = new Set(workers.flatMap((w) => w.audits()).map((a) => a.target));
    await publish(emulator, PROJECT, topology.topicName('schedules-cert-expiry'), '{}', 'cert-expiry');
    const fanout = await waitFor(
      () => workers.flatMap((w) => w.audits()).find((a) => a.action === 'fanout' && !before.has(a.target)),
      30_000,
    );
    const runId = String(fanout.target);
    const result = await poll(
      () => state.get<{ items: unknown[]; fanout: { failed: number[] } }>(`fanout:certExpiry:${runId}:result`),
      60_000,
    );
    expect(result.fanout.failed).toEqual([1]);
    const failed = JSON.stringify(result.items.slice(PER_SHARD, 2 * PER_SHARD));
    expect(failed).toMatch(/shard 2\/4 of run [\w-]+ failed: dead-lettered after 5 deliveries/);
    expect(front.forwarded.filter((f) => f.worker === -1).length).toBeGreaterThanOrEqual(5);
  }, 120_000);
});
