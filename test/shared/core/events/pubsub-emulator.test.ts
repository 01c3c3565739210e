import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CloudEvent, cloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Intake, parseCloudEvent, parseRequest, type Trigger } from '../../../../shared/core/events/index.js';
import { type PubSubEmulator, startPubSubEmulator } from '../../../support/pubsub-emulator.js';
import { base64Json, fixtureJson, intakeOptions } from './load-fixture.js';

const PROJECT = 'demo-opsfn';
const suffix = randomBytes(4).toString('hex');
const PROBE = `intakeProbe${suffix}`;

interface Pushed {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

async function call(url: string, method: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`${method} ${url}: HTTP ${response.status} ${await response.text()}`);
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function until<T>(items: T[], count: number, timeoutMs = 20_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  while (items.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return items;
}

describe('intake of messages pushed by the Pub/Sub emulator', () => {
  let emulator: PubSubEmulator;
  const raw: Pushed[] = [];
  const viaFramework: (Intake | string)[] = [];
  const capture = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      raw.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(204).end();
    });
  });
  cloudEvent<unknown>(PROBE, (event: CloudEvent<unknown>) => {
    try {
      viaFramework.push(parseCloudEvent(event, intakeOptions));
    } catch (error) {
      viaFramework.push(String(error));
    }
  });
  const framework = getTestServer(PROBE);

  beforeAll(async () => {
    emulator = await startPubSubEmulator();
    const topic = await emulator.createTopic(PROJECT, `intake-${suffix}`);
    const captureUrl = await listen(capture);
    const pushConfigs = [
      { pushEndpoint: `${captureUrl}/wrapped/${topic}` },
      { pushEndpoint: `${captureUrl}/unwrapped`, noWrapper: { writeMetadata: true } },
      { pushEndpoint: `${await listen(framework)}/${topic}` },
    ];
    for (const [i, pushConfig] of pushConfigs.entries()) {
      await call(`${emulator.url}/v1/projects/${PROJECT}/subscriptions/intake-${i}-${suffix}`, 'PUT', {
        topic,
        ackDeadlineSeconds: 10,
        pushConfig,
      });
    }
    await call(`${emulator.url}/v1/${topic}:publish`, 'POST', {
      messages: [
        { data: base64Json(fixtureJson('cloud-monitoring/open')) },
        { attributes: { 'opsfn-job': 'cert-expiry-daily' } },
        { data: base64Json({ backups: ['pg-dumps'] }), attributes: { 'opsfn-job': 'backup-verify-daily' } },
      ],
    });
    await until(raw, 6);
    await until(viaFramework, 3);
  }, 90_000);

  afterAll(async () => {
    capture.close();
    framework.close();
    await emulator?.stop();
  });

  // Push order is not guaranteed: compare the set of what arrived.
  const summary = (t: Trigger) => (t.kind === 'scheduled' ? `${t.job} ${JSON.stringify(t.payload)}` : t.id);
  const expected = ['backup-verify-daily {"backups":["pg-dumps"]}', 'cert-expiry-daily {}', 'cm:0.opqiw61fsv7p:open'];

  it.each([
    ['/wrapped/', 'pubsub-push'],
    ['/unwrapped', 'pubsub-unwrapped'],
  ])('parses each push request to %s as %s', (prefix, format) => {
    const intakes = raw
      .filter((p) => p.path.startsWith(prefix))
      .map((p) => parseRequest({ method: 'POST', ...p, headers: p.headers as never }, intakeOptions));
    expect(intakes.map((i) => i.format)).toEqual([format, format, format]);
    expect(intakes.flatMap((i) => i.triggers.map(summary)).sort()).toEqual(expected);
  });

  it('parses what functions-framework hands a cloudEvent function, converted or not', () => {
    const intakes = viaFramework.filter((i): i is Intake => typeof i !== 'string');
    expect(viaFramework.filter((i) => typeof i === 'string')).toEqual([]);
    const formats = intakes.map((i) => i.format).sort();
    expect(formats).toEqual(['cloudevent-structured', 'cloudevent-structured', 'pubsub-push']);
    expect(intakes.flatMap((i) => i.triggers.map(summary)).sort()).toEqual(expected);
    expect(intakes.find((i) => i.format === 'pubsub-push')?.triggers.map(summary)).toEqual(['cert-expiry-daily {}']);
  });
});
