import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './local-process.js';

/** A private database server started for one test file, never the shared ones. */
export interface PrivateDatabase {
  port: number;
  stop(): Promise<void>;
}

async function waitForPort(port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error('server exited during start');
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(true));
      socket.once('error', () => resolve(false));
    }).then((ok) => ok);
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} did not open within ${timeoutMs}ms`);
}

/** The newest installed PostgreSQL's bin dir, or undefined. */
export function postgresBin(): string | undefined {
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    return versions[0] ? `/usr/lib/postgresql/${versions[0]}/bin` : undefined;
  } catch {
    return undefined;
  }
}

/** Starts a throwaway PostgreSQL with `ssl=on` serving `certPath`/`keyPath`, as the `postgres` OS user when root. */
export async function startPrivatePostgres(certPath: string, keyPath: string): Promise<PrivateDatabase> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
  const dir = mkdtempSync(join(tmpdir(), 'opsfn-pg-'));
  const data = join(dir, 'data');
  const asRoot = userInfo().uid === 0;
  const owner = asRoot ? Number(execFileSync('id', ['-u', 'postgres']).toString()) : undefined;
  const run = (cmd: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: 'pipe' });
  if (owner !== undefined) chownSync(dir, owner, owner);
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions']);
  for (const [from, to] of [
    [certPath, 'server.crt'],
    [keyPath, 'server.key'],
  ] as const) {
    copyFileSync(from, join(data, to));
    chmodSync(join(data, to), 0o600);
    if (owner !== undefined) chownSync(join(data, to), owner, owner);
  }
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c ssl=on -c fsync=off -c shared_buffers=8MB`;
  run(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  return {
    port,
    stop: async () => {
      try {
        run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Starts a throwaway MariaDB (`mariadb-install-db` + `mariadbd`) with TLS on a free port, as root. */
export async function startPrivateMariadb(certPath: string, keyPath: string): Promise<PrivateDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'opsfn-maria-'));
  const data = join(dir, 'data');
  mkdirSync(data);
  execFileSync(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'],
    { stdio: 'pipe' },
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--socket=${join(dir, 'sock')}`,
      `--pid-file=${join(dir, 'pid')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--ssl-cert=${certPath}`,
      `--ssl-key=${keyPath}`,
      '--user=root',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=8M',
      '--skip-name-resolve',
    ],
    { stdio: 'ignore' },
  );
  let exited = false;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => {
    exited = true;
  });
  const stop = async () => {
    if (!exited) child.kill('SIGTERM');
    await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
    if (!exited) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 30_000, () => !exited);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, stop };
}
