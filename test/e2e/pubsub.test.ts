import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSchedules } from '../../shared/core/config/schedules-load.js';
import { defineFunction } from '../../shared/core/run/define-function.js';
import * as z from '../../shared/core/schema/index.js';
import { MemoryStateStore } from '../../shared/core/state/memory.js';
import { registerFunctions } from '../../shared/host/runtime/register.js';
import { createRuntime } from '../../shared/host/runtime/runtime.js';
import { kebabCase } from '../../tools/bundle/bundle-cmd.js';
import { functions as registry } from '../support/catalogue.js';
import { captureLogs, testEstate } from '../support/estate.js';
import { type PubSubEmulator, startPubSubEmulator } from '../support/pubsub-emulator.js';
import { recordingNotifier } from '../support/recording-notifier.js';
import { TestPki } from '../support/tls-pki.js';
import { type RunningServer, serveOptions, startTlsServer } from '../support/tls-servers.js';
import { FlakyProxy, publish, pushSubscribe, waitFor } from './pubsub-wiring.js';
import { readTopology, type Topology } from './terraform-topology.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PROJECT = 'demo-opsfn-e2e';
const incident = (await import('../fixtures/cloud-monitoring/open.json', { with: { type: 'json' } })).default;

// Stands in for the alert consumers (rollback, autoscale) while they are not registered: one guarded call to a fake API.
const apiCalls: string[] = [];
let apiUrl = '';
const probe = defineFunction({
  name: 'e2eProbe',
  description: 'calls a fake platform API once per alert, through the guard',
  triggers: ['alert', 'scheduled', 'manual'],
  input: z.record(z.string(), z.unknown()),
  async run(ctx) {
    const target =
      ctx.trigger.kind === 'alert' ? (ctx.trigger.alert.labels.service_name ?? ctx.trigger.alert.name) : 'e2e';
    const outcome = await ctx.act('restart', target, async () => {
      const response = await fetch(`${apiUrl}/restart/${target}`, {
        method: 'POST',
        signal: AbortSignal.timeout(5_000),
      });
      return response.status;
    });
    return { outcome: outcome.status === 'done' ? 'ok' : 'skipped', summary: `restart ${outcome.status}` };
  },
});

const logs = captureLogs();
const state = new MemoryStateStore();
const served = [...registry, probe];
let emulator: PubSubEmulator;
let topology: Topology;
let tls: RunningServer;
let pki: TestPki;
let api: Server;
let proxy: FlakyProxy;
const servers: Server[] = [];

async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const audits = (fn: string, decision?: string) =>
  logs.audits().filter((a) => a.function === fn && (decision === undefined || a.decision === decision));

beforeAll(async () => {
  const started = startPubSubEmulator();
  pki = new TestPki();
  const rootKey = pki.key('root');
  const ca = pki.issue({ name: 'root', cn: 'opsfn e2e root', key: rootKey, fromDays: -1, toDays: 3650, ca: true });
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
  api = createServer((req, res) => {
    apiCalls.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  apiUrl = await listen(api);
  const config = testEstate({
    // Deployed behind Cloud Run IAM: the push subscriptions' OIDC tokens are checked by the platform.
    auth: { mode: 'platform' },
    certificates: { caFile: ca.path, endpoints: [{ host: 'ok.test.local', address: '127.0.0.1', port: tls.port }] },
  });
  registerFunctions(served, {
    loadRuntime: () =>
      createRuntime({ config, functions: served, state, notifier: recordingNotifier(), logSink: logs.sink }),
  });
  topology = await readTopology(ROOT, PROJECT);
  emulator = await started;
  for (const topic of [...topology.topics, ...topology.deadLetterTopics]) await emulator.createTopic(PROJECT, topic);
  for (const [i, dlq] of topology.deadLetterSubscriptions.entries()) {
    await emulator.createSubscription(PROJECT, dlq, `projects/${PROJECT}/topics/${topology.deadLetterTopics[i]}`);
  }
  const urls = new Map<string, string>();
  for (const fn of served) urls.set(fn.name, await listen(getTestServer(fn.name)));
  for (const sub of topology.subscriptions.filter((s) => urls.has(s.entryPoint))) {
    await pushSubscribe(emulator, PROJECT, sub, `${urls.get(sub.entryPoint)}${sub.endpointPath}`);
  }
  // The probe takes the alerts topic like rollback and autoscale, behind a proxy that loses the first ack.
  proxy = new FlakyProxy(String(urls.get(probe.name)));
  const alerts = topology.subscriptions.find((s) => s.topic === 'alerts');
  if (!alerts) throw new Error('terraform subscribes no function to the alerts topic');
  await pushSubscribe(
    emulator,
    PROJECT,
    { ...alerts, entryPoint: probe.name, name: 'opsfn-e2e-probe-alerts' },
    `${await listen(proxy.server)}${alerts.endpointPath}`,
  );
}, 90_000);

afterAll(async () => {
  await emulator?.stop();
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  await tls?.close();
  pki?.cleanup();
  await state.close();
});

describe('functions behind the Pub/Sub emulator, wired as the Terraform declares', () => {
  it('runs each scheduled function for a Scheduler-shaped message on its schedules topic', async () => {
    const jobs = (await loadSchedules(`${ROOT}/schedules`)).filter((j) => registry.some((f) => f.name === j.function));
    expect(jobs.length).toBeGreaterThan(0);
    const ids = new Map<string, string>();
    for (const job of jobs) {
      const topic = topology.topicName(`schedules-${kebabCase(job.function)}`);
      expect(topology.topics, `schedules/${job.name}.yaml: terraform declares no topic ${topic}`).toContain(topic);
      ids.set(job.function, await publish(emulator, PROJECT, topic, JSON.stringify(job.payload ?? {}), job.name));
    }
    for (const [fn, id] of ids) {
      const finished = await waitFor(() => audits(fn, 'finished').find((a) => idOf(a) === `ps:${id}`));
      expect(finished, `${fn} finished`).toMatchObject({ trigger: { kind: 'scheduled', format: 'pubsub-push' } });
      const record = await state.claim(`idem:${fn}:ps:${id}`, 60_000);
      expect(record, `${fn} idempotency record`).toMatchObject({ claimed: false, state: 'done' });
    }
    const cert = audits('certExpiry', 'finished').at(-1);
    expect(cert?.outcome).toBe('ok');
    expect(String(cert?.reason)).toMatch(/1 ok/);
  }, 40_000);

  it('runs an alert from the Monitoring Pub/Sub channel once, though its first ack is lost', async () => {
    const id = await publish(emulator, PROJECT, topology.topicName('alerts'), JSON.stringify(incident));
    const isAlert = (a: Record<string, unknown>) => (a.trigger as { kind?: string } | undefined)?.kind === 'alert';
    const skipped = await waitFor(() => audits(probe.name, 'skipped').find(isAlert));
    expect(skipped?.reason).toMatch(/duplicate/);
    expect(proxy.failed).toEqual([id]);
    expect(proxy.delivered.filter((m) => m === id).length).toBeGreaterThanOrEqual(2);
    expect(apiCalls).toHaveLength(1);
    expect(apiCalls[0]).toMatch(/^POST \/restart\//);
    const finished = audits(probe.name, 'finished').filter(isAlert);
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ outcome: 'ok', trigger: { format: 'pubsub-push' } });
    // The registered alert consumers got the same incident on their own subscriptions.
    for (const fn of registry.filter((f) => topology.topicsOf[f.name]?.includes('alerts'))) {
      const received = await waitFor(() => audits(fn.name, 'received').find(isAlert));
      expect(received, `${fn.name} received the alert`).toMatchObject({ trigger: { format: 'pubsub-push' } });
    }
  }, 30_000);

  it('moves an undecodable message to the dead-letter topic after the maximum delivery attempts', async () => {
    // A topic with one subscriber, so exactly one dead-letter copy is expected.
    const sub = topology.subscriptions.find(
      (s) =>
        registry.some((f) => f.name === s.entryPoint) &&
        topology.subscriptions.filter((other) => other.topic === s.topic).length === 1,
    );
    if (!sub) throw new Error('no registered function has a topic of its own');
    const poison = Buffer.from([0xff, 0xfe, 0x00, 0x7b]);
    const receivedBefore = audits(sub.entryPoint, 'received').length;
    await publish(emulator, PROJECT, topology.topicName(sub.topic), poison.toString('binary'), 'poison', 'binary');
    const dlq = `projects/${PROJECT}/subscriptions/${topology.deadLetterSubscription(sub.topic)}`;
    const dead = await emulator.pull(dlq, 10, 25_000);
    // The dead-letter copy is a new message with its own id: recognise it by its job attribute and bytes.
    expect(dead).toHaveLength(1);
    expect(dead[0]?.data).toBe(poison.toString('utf8'));
    expect(dead[0]?.attributes).toMatchObject({
      'opsfn-job': 'poison',
      CloudPubSubDeadLetterSourceDeliveryCount: String(sub.maxDeliveryAttempts),
      CloudPubSubDeadLetterSourceSubscription: sub.name,
    });
    const rejected = audits(sub.entryPoint, 'rejected');
    expect(rejected.length).toBeGreaterThanOrEqual(sub.maxDeliveryAttempts);
    expect(String(rejected[0]?.reason)).toMatch(/pubsub-push: message\.data/);
    expect(audits(sub.entryPoint, 'received')).toHaveLength(receivedBefore);
  }, 40_000);
});

function idOf(audit: Record<string, unknown>): unknown {
  return (audit.trigger as { id?: unknown } | undefined)?.id;
}
