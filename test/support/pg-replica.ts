import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './local-process.js';
import { postgresBin } from './tls-databases.js';

/** A throwaway PostgreSQL primary and a streaming replica of it, for tests that need real replication. */
export interface PostgresPair {
  primaryPort: number;
  replicaPort: number;
  /** Stops the primary, as an outage would: the replica's WAL receiver loses its source. */
  stopPrimary(): void;
  stop(): Promise<void>;
}

/** Starts a primary (initdb, trust) and a replica of it (`pg_basebackup -R`), as the `postgres` OS user when root. */
export async function startPostgresPair(): Promise<PostgresPair> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
  const dir = mkdtempSync(join(tmpdir(), 'opsfn-pg-pair-'));
  const asRoot = userInfo().uid === 0;
  const run = (cmd: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: 'pipe' });
  if (asRoot) {
    const owner = Number(execFileSync('id', ['-u', 'postgres']).toString());
    chownSync(dir, owner, owner);
  }
  const primary = join(dir, 'primary');
  const replica = join(dir, 'replica');
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const options = (port: number) =>
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=8MB -c wal_retrieve_retry_interval=200ms`;
  const start = (data: string, port: number, log: string) =>
    run(join(bin, 'pg_ctl'), ['-D', data, '-o', options(port), '-l', join(dir, log), '-w', '-t', '30', 'start']);
  const stop = (data: string) => {
    try {
      run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Already stopped.
    }
  };
  run(join(bin, 'initdb'), ['-D', primary, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions']);
  start(primary, primaryPort, 'primary.log');
  try {
    // -R writes standby.signal and primary_conninfo: the copy starts as a streaming replica.
    run(join(bin, 'pg_basebackup'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      replica,
      '-R',
      '-X',
      'stream',
    ]);
    start(replica, replicaPort, 'replica.log');
  } catch (error) {
    stop(primary);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    primaryPort,
    replicaPort,
    stopPrimary: () => stop(primary),
    stop: async () => {
      stop(replica);
      stop(primary);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
