import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** A free loopback port, found by binding port 0. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
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

/** What the test Prometheus scrapes and evaluates. */
export interface PrometheusSetup {
  /** `host:port` of the endpoint serving `/metrics`. */
  scrapeTarget: string;
  /** Rules file content (YAML). */
  rules: string;
  /** `host:port` of an Alertmanager to send alerts to. */
  alertmanager?: string;
  /** Port to listen on (from {@link freePort}) when the URL must be known before the start. */
  port?: number;
}

/** Starts the Debian `prometheus` binary on a free loopback port with 1 s scrape and evaluation intervals. */
export async function startPrometheus(setup: PrometheusSetup): Promise<LocalProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'opsfn-prom-'));
  const port = setup.port ?? (await freePort());
  await writeFile(join(dir, 'rules.yml'), setup.rules);
  const alerting = setup.alertmanager
    ? `alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['${setup.alertmanager}']\n`
    : '';
  await writeFile(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: ['${join(dir, 'rules.yml')}']\n${alerting}` +
      `scrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['${setup.scrapeTarget}']\n`,
  );
  const proc = spawnTracked(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    dir,
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/-/ready`, 20_000, proc.output);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return { url, port, stop: proc.stop };
}
