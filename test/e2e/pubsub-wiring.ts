import { createServer, type Server } from 'node:http';
import type { PubSubEmulator } from '../support/pubsub-emulator.js';
import type { PushSubscription } from './terraform-topology.js';

async function rest(url: string, method: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

/**
 * Creates a push subscription with the dead-letter policy and ack deadline the Terraform module declares.
 * One way the emulator differs: it delivers again a push answered 202, which Pub/Sub acknowledges (102, 200,
 * 201, 202 and 204 ack: https://cloud.google.com/pubsub/docs/push). A run that splits into shards answers 202,
 * so here its message keeps coming back and is answered from the recorded envelope each time.
 */
export async function pushSubscribe(
  emulator: PubSubEmulator,
  project: string,
  sub: PushSubscription,
  pushEndpoint: string,
): Promise<void> {
  await rest(`${emulator.url}/v1/projects/${project}/subscriptions/${sub.name}`, 'PUT', {
    topic: sub.fullTopic,
    ackDeadlineSeconds: 60,
    pushConfig: { pushEndpoint },
    // A subscription on a dead-letter topic itself has no dead-letter policy.
    ...(sub.deadLetterTopic
      ? { deadLetterPolicy: { deadLetterTopic: sub.deadLetterTopic, maxDeliveryAttempts: sub.maxDeliveryAttempts } }
      : {}),
  });
}

/** Deletes a subscription (its undelivered messages go with it). */
export async function unsubscribe(emulator: PubSubEmulator, project: string, name: string): Promise<void> {
  await rest(`${emulator.url}/v1/projects/${project}/subscriptions/${name}`, 'DELETE', undefined);
}

/**
 * Publishes one message as Cloud Scheduler's Pub/Sub target does (data, and the `opsfn-job` attribute
 * when `job` is given) and returns its message id.
 */
export async function publish(
  emulator: PubSubEmulator,
  project: string,
  topic: string,
  data: string,
  job?: string,
  encoding: BufferEncoding = 'utf8',
): Promise<string> {
  const body = await rest(`${emulator.url}/v1/projects/${project}/topics/${topic}:publish`, 'POST', {
    messages: [
      { data: Buffer.from(data, encoding).toString('base64'), ...(job ? { attributes: { 'opsfn-job': job } } : {}) },
    ],
  });
  const id = (body.messageIds as string[] | undefined)?.[0];
  if (!id) throw new Error(`publish to ${topic} returned no message id`);
  return id;
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((wait) => setTimeout(wait, 50));
  }
}

/** A server that hands each request's path and body to `forward` and answers what it returns (502 when it throws). */
function forwardingServer(forward: (path: string, body: Buffer) => Promise<{ status: number; body: string }>): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      forward(req.url ?? '/', Buffer.concat(chunks)).then(
        ({ status, body }) => res.writeHead(status, { 'content-type': 'application/json' }).end(body),
        (error: unknown) => res.writeHead(502).end(String(error)),
      );
    });
  });
}

/**
 * Forwards pushes to a function and answers 500 to the first delivery of each message after the
 * function has handled it: an ack lost on the way back, so Pub/Sub redelivers work already done.
 */
export class FlakyProxy {
  readonly delivered: string[] = [];
  readonly failed: string[] = [];
  readonly server: Server;

  constructor(private readonly upstream: string) {
    this.server = forwardingServer((path, body) => this.forward(path, body));
  }

  private async forward(path: string, body: Buffer): Promise<{ status: number; body: string }> {
    const id = String((JSON.parse(body.toString('utf8')) as { message?: { messageId?: string } }).message?.messageId);
    this.delivered.push(id);
    const response = await fetch(`${this.upstream}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array(body),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    if (!this.failed.includes(id)) {
      this.failed.push(id);
      return { status: 500, body: '{"error":"ack lost"}' };
    }
    return { status: response.status, body: text };
  }
}

/** One push the round-robin front forwarded: to which worker, and how it ended. */
export interface Forwarded {
  messageId: string;
  job: string | undefined;
  worker: number;
  status: number;
}

/**
 * Stands in for Cloud Run's load balancer in front of several instances of one function: each push goes to
 * the next live worker in turn; `onForward` may act while a worker holds a push (kill it, as a crash would),
 * and a worker that dies mid-request answers 502, so Pub/Sub delivers the message again.
 */
export class RoundRobinFront {
  readonly forwarded: Forwarded[] = [];
  readonly server: Server;
  readonly dead = new Set<number>();
  /** Pushes every instance crashes on (answered 500, never forwarded), as a message that always kills its instance. */
  refuse: (push: { job: string | undefined; data: unknown; attributes: Record<string, string> }) => boolean = () =>
    false;
  private next = 0;

  constructor(
    private readonly workers: string[],
    private readonly onForward: (push: { job: string | undefined; worker: number }) => void = () => undefined,
  ) {
    this.server = forwardingServer((path, body) => this.forward(path, body));
  }

  private async forward(path: string, body: Buffer): Promise<{ status: number; body: string }> {
    const push = JSON.parse(body.toString('utf8')) as {
      message?: { messageId?: string; attributes?: Record<string, string>; data?: string };
    };
    const data: unknown = push.message?.data ? JSON.parse(Buffer.from(push.message.data, 'base64').toString()) : {};
    const attributes = push.message?.attributes ?? {};
    if (this.refuse({ job: attributes['opsfn-job'], data, attributes })) {
      this.forwarded.push({ messageId: String(push.message?.messageId), job: undefined, worker: -1, status: 500 });
      return { status: 500, body: '{"error":"the instance crashed"}' };
    }
    const live = this.workers.map((_, i) => i).filter((i) => !this.dead.has(i));
    const worker = live[this.next++ % live.length] ?? 0;
    const entry: Forwarded = {
      messageId: String(push.message?.messageId),
      job: push.message?.attributes?.['opsfn-job'],
      worker,
      status: 502,
    };
    this.forwarded.push(entry);
    const response = fetch(`${this.workers[worker]}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array(body),
      signal: AbortSignal.timeout(30_000),
    });
    this.onForward({ job: entry.job, worker });
    const answered = await response;
    entry.status = answered.status;
    return { status: answered.status, body: await answered.text() };
  }
}
