import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './local-process.js';

/** A running Pub/Sub emulator on loopback, with small REST helpers for test setup. */
export interface PubSubEmulator {
  /** `127.0.0.1:PORT`: the value clients read from `PUBSUB_EMULATOR_HOST`. */
  host: string;
  /** `http://127.0.0.1:PORT`: the REST root. */
  url: string;
  /** Creates a topic; `name` is the short id. Returns the full `projects/P/topics/T` name. */
  createTopic(project: string, name: string): Promise<string>;
  /** Creates a pull subscription on a topic given by full name. Returns the full subscription name. */
  createSubscription(project: string, name: string, topic: string): Promise<string>;
  /** Pulls and acks up to `max` messages, waiting up to `timeoutMs` for at least one. */
  pull(subscription: string, max?: number, timeoutMs?: number): Promise<PulledMessage[]>;
  /** Stops the emulator process and waits for it to exit. */
  stop(): Promise<void>;
}

/** One message pulled from the emulator, its data decoded as UTF-8. */
export interface PulledMessage {
  data: string;
  attributes: Record<string, string>;
  messageId: string;
}

/** Finds the emulator launcher: `PUBSUB_EMULATOR_BINARY_PATH`, else the Google Cloud SDK's copy. */
export function findPubSubEmulatorBinary(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.PUBSUB_EMULATOR_BINARY_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const sdkRoot = execFileSync('gcloud', ['info', '--format=value(installation.sdk_root)'], {
    encoding: 'utf8',
    timeout: 30_000,
  }).trim();
  const binary = join(sdkRoot, 'platform', 'pubsub-emulator', 'bin', 'cloud-pubsub-emulator');
  if (!existsSync(binary)) throw new Error(`Pub/Sub emulator not found at ${binary}`);
  return binary;
}

async function rest(url: string, method: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text === '' ? {} : JSON.parse(text);
}

async function waitReady(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Pub/Sub emulator exited early:\n${output()}`);
    try {
      const response = await fetch(`${url}/v1/projects/ready-probe/topics`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet: keep polling until the deadline.
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`Pub/Sub emulator not ready after ${timeoutMs}ms:\n${output()}`);
}

/**
 * Calls the emulator once over gRPC, as the code under test does. The REST probe above does not load the JVM's
 * gRPC path, nor this process its Pub/Sub client: on a loaded machine that first call alone has taken over ten
 * seconds, which a test's bounded publish attempt must not pay.
 */
async function warmGrpc(host: string, deadline: number): Promise<void> {
  const { PubSub } = await import('@google-cloud/pubsub');
  const client = new PubSub({ projectId: 'ready-probe', apiEndpoint: host, emulatorMode: true });
  try {
    for (;;) {
      try {
        await client.getTopics({ gaxOpts: { timeout: Math.max(1_000, deadline - Date.now()), retry: null } });
        return;
      } catch (error) {
        if (Date.now() >= deadline) throw new Error(`Pub/Sub emulator answers no gRPC call: ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await client.close().catch(() => undefined);
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => signal(child, 'SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    signal(child, 'SIGTERM');
  });
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // The launcher runs detached in its own group: signal the group so the JVM goes too.
    process.kill(-child.pid, name);
  } catch {
    child.kill(name);
  }
}

/**
 * Starts the real Pub/Sub emulator on a free loopback port and waits until it answers REST calls.
 * @example const emulator = await startPubSubEmulator(); process.env.PUBSUB_EMULATOR_HOST = emulator.host;
 */
export async function startPubSubEmulator(
  options: { binary?: string; timeoutMs?: number } = {},
): Promise<PubSubEmulator> {
  const binary = options.binary ?? findPubSubEmulatorBinary();
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const url = `http://${host}`;
  const child = spawn(binary, ['--host=127.0.0.1', `--port=${port}`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Detached so the JVM can be signalled as a group; so it must not outlive a test process that dies early.
  const onExit = () => signal(child, 'SIGKILL');
  process.once('exit', onExit);
  child.once('exit', () => process.removeListener('exit', onExit));
  let log = '';
  const collect = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  try {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    await waitReady(url, child, () => log, timeoutMs);
    await warmGrpc(host, deadline);
  } catch (error) {
    await stopProcess(child);
    throw error;
  }

  return {
    host,
    url,
    async createTopic(project, name) {
      const full = `projects/${project}/topics/${name}`;
      await rest(`${url}/v1/${full}`, 'PUT', {});
      return full;
    },
    async createSubscription(project, name, topic) {
      const full = `projects/${project}/subscriptions/${name}`;
      await rest(`${url}/v1/${full}`, 'PUT', { topic, ackDeadlineSeconds: 10 });
      return full;
    },
    async pull(subscription, max = 10, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const body = (await rest(`${url}/v1/${subscription}:pull`, 'POST', {
          maxMessages: max,
          returnImmediately: true,
        })) as {
          receivedMessages?: {
            ackId: string;
            message: { data?: string; attributes?: Record<string, string>; messageId: string };
          }[];
        };
        const received = body.receivedMessages ?? [];
        if (received.length > 0) {
          await rest(`${url}/v1/${subscription}:acknowledge`, 'POST', { ackIds: received.map((r) => r.ackId) });
          return received.map(({ message }) => ({
            data: Buffer.from(message.data ?? '', 'base64').toString('utf8'),
            attributes: message.attributes ?? {},
            messageId: message.messageId,
          }));
        }
        if (Date.now() >= deadline) return [];
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    stop: () => stopProcess(child),
  };
}
