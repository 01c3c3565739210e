import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

// Prometheus's blackbox_exporter (Debian package prometheus-blackbox-exporter) as a baseline: started on
// loopback with the modules a bench needs, then driven through /probe as Prometheus would scrape it.
// Module syntax: https://github.com/prometheus/blackbox_exporter/blob/master/CONFIGURATION.md

const BINARIES = ['prometheus-blackbox-exporter', 'blackbox_exporter'];

/** One /probe request: which module, which target, and any extra query parameters (`hostname`). */
export interface BlackboxProbe {
  module: string;
  target: string;
  params?: Record<string, string>;
}

/** A running exporter: its base URL, a way to drive many probes, and a stop. */
export interface Blackbox {
  url: string;
  version: string;
  /** CPU time the exporter process has used so far (user + system), from /proc. */
  cpuMs(): number;
  /** Runs every probe through /probe, `concurrency` at a time; resolves how many reported probe_success 1. */
  sweep(probes: readonly BlackboxProbe[], concurrency: number): Promise<{ ms: number; succeeded: number }>;
  stop(): Promise<void>;
}

/** The exporter's binary on PATH, or undefined when the package is not installed. */
export function blackboxBinary(): string | undefined {
  for (const name of BINARIES) {
    try {
      execFileSync(name, ['--version'], { stdio: 'ignore' });
      return name;
    } catch {
      // Not this name; try the next.
    }
  }
  return undefined;
}

/** CPU time of a process (user + system) from /proc/PID/stat, in milliseconds (clock ticks are 10 ms on Linux). */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /s, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function get(agent: Agent, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end();
  });
}

async function ready(agent: Agent, url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`blackbox_exporter exited with code ${child.exitCode}`);
    try {
      if ((await get(agent, `${url}/-/healthy`)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('blackbox_exporter did not answer /-/healthy within 10 s');
}

/** Starts blackbox_exporter on a free loopback port with `modules` as its configuration. */
export async function startBlackbox(modules: Record<string, unknown>): Promise<Blackbox> {
  const binary = blackboxBinary();
  if (!binary) throw new Error('blackbox_exporter is not installed (apt-get install prometheus-blackbox-exporter)');
  const version = /version (\S+)/.exec(execFileSync(binary, ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
  const dir = mkdtempSync(join(tmpdir(), 'opsfn-blackbox-'));
  const config = join(dir, 'blackbox.yml');
  writeFileSync(config, stringify({ modules }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const agent = new Agent({ keepAlive: true });
  const stop = async (): Promise<void> => {
    agent.destroy();
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ready(agent, url, child);
  } catch (error) {
    await stop();
    throw error;
  }
  const sweep = async (probes: readonly BlackboxProbe[], concurrency: number) => {
    agent.maxSockets = concurrency;
    let next = 0;
    let succeeded = 0;
    const started = performance.now();
    const lane = async (): Promise<void> => {
      for (let i = next++; i < probes.length; i = next++) {
        const { module, target, params } = probes[i]!;
        const query = new URLSearchParams({ module, target, ...params });
        const { body } = await get(agent, `${url}/probe?${query}`);
        if (/^probe_success 1$/m.test(body)) succeeded++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, probes.length) }, lane));
    return { ms: performance.now() - started, succeeded };
  };
  return { url, version, sweep, stop, cpuMs: () => processCpuMs(child.pid!) };
}
