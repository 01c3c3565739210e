import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './local-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FRAMEWORK_MAIN = join(ROOT, 'node_modules', '@google-cloud', 'functions-framework', 'build', 'src', 'main.js');

/** A reply read over a raw HTTP/1.1 connection. */
export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Sends one request with exactly these headers (`Host`, `Origin`, `Sec-Fetch-Site` included, which
 * fetch would rewrite or refuse) and reads the reply. A Buffer body is sent with its length; a
 * `chunks` body is streamed with chunked transfer encoding.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; chunks?: Buffer[] },
): Promise<RawReply> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'POST',
        headers: options.headers ?? {},
        setHost: !Object.keys(options.headers ?? {}).some((h) => h.toLowerCase() === 'host'),
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString('utf8') }),
        );
      },
    );
    // The server may answer and stop reading an oversized upload before it is all sent: the reply is what
    // counts, and the failed write that follows it is expected.
    req.on('error', reject);
    req.on('socket', (socket) => socket.on('error', () => undefined));
    if (options.chunks) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else req.end(options.body);
  });
}

/** A functions-framework process serving `functions/index.ts` (the deployed entry) for one target. */
export interface FrameworkProcess {
  url: string;
  /** The audit records the process wrote to stdout so far. */
  audits(): Record<string, unknown>[];
  /** Peak resident memory of the process so far (VmHWM), in MiB. */
  peakRssMiB(): number;
  /** Kills the process at once (SIGKILL), as a crashed instance dies: nothing is answered or cleaned up. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts functions-framework's own `main.js` on the deployed entry with `env`, as the buildpack does. */
export async function startFrameworkProcess(target: string, env: NodeJS.ProcessEnv): Promise<FrameworkProcess> {
  const port = await freePort();
  let stdout = '';
  let stderr = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      FRAMEWORK_MAIN,
      `--target=${target}`,
      `--source=${join(ROOT, 'functions', 'index.ts')}`,
      `--port=${port}`,
    ],
    { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`functions-framework exited ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`functions-framework did not listen: ${stderr}`);
    try {
      await rawRequest(`${url}/readyz`, { method: 'GET' });
      break;
    } catch {
      await new Promise((wait) => setTimeout(wait, 50));
    }
  }
  return {
    url,
    audits: () =>
      stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((record) => record.audit === true),
    peakRssMiB: () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024,
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
