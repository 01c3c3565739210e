import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** A free loopback port (the listener is closed again, so a tiny race remains; callers retry on failure). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Polls `url` until it answers 200, or throws after `timeoutMs` with the process output. */
export async function waitReady(url: string, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok) return;
    } catch {
      // Not listening yet.
    }
    await delay(100);
  }
  throw new Error(`${url} not ready in ${timeoutMs}ms:\n${output().slice(-2_000)}`);
}

/** A started local server process with its temp dir. */
export interface LocalProcess {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Spawns `command`, keeps its output for errors, and returns a stopper that kills it and removes `dir`. */
export function spawnTracked(
  command: string,
  args: string[],
  dir: string,
): { child: ChildProcess; output: () => string; stop: () => Promise<void> } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  });
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await Promise.race([exited, delay(5_000).then(() => child.kill('SIGKILL'))]);
    }
    await rm(dir, { recursive: true, force: true });
  };
  return { child, output: () => log, stop };
}

/**
 * Spawns a Prometheus-family server listening on `port` and waits (20 s at most) until its `/-/ready`
 * answers; a server that never gets ready is stopped and its `dir` removed before the error is thrown.
 */
export async function startReadyServer(
  command: string,
  args: string[],
  dir: string,
  port: number,
): Promise<LocalProcess> {
  const proc = spawnTracked(command, args, dir);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/-/ready`, 20_000, proc.output);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return { url, port, stop: proc.stop };
}
