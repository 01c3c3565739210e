import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parseDatabaseUrl, type ScratchDatabase } from './connection.js';
import { RestoreError } from './errors.js';
import { stripOwnership } from './ownership-filter.js';

/** Options of one restore. */
export interface RestoreOptions {
  /** Bound on the whole load. */
  timeoutMs: number;
  /** A source that delivers no bytes this long is treated as a dump that never ends. */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  /** PostgreSQL: drop owner and privilege statements, like `pg_restore --no-owner --no-acl`. */
  stripOwnership?: boolean;
  /** Client binaries; defaults `psql` and `mariadb`. */
  psql?: string;
  mysql?: string;
  now?: () => number;
}

/** What a finished restore measured. */
export interface RestoreStats {
  durationMs: number;
  /** Bytes read from the source (compressed when it was gzip). */
  bytes: number;
  gzip: boolean;
  /** Rows loaded, exact: the sum of psql's `COPY <n>` command tags (PostgreSQL only). */
  rows?: number;
}

const STDERR_KEEP = 4096;
// zlib pays a threadpool round trip per output chunk: its 16 KiB default costs more than psql's load.
const INFLATE_CHUNK_BYTES = 256 * 1024;
const COPY_TAG = /^COPY (\d+)$/;

/**
 * Streams a plain pg_dump or mysqldump (gzip or not, detected from its first bytes) into an existing
 * scratch database through `psql -v ON_ERROR_STOP=1` or the MariaDB/MySQL client. Memory stays flat;
 * a stall, the timeout or an abort kills the client and throws {@link RestoreError}.
 */
export async function restoreDump(
  source: Readable,
  scratch: ScratchDatabase,
  options: RestoreOptions,
): Promise<RestoreStats> {
  const now = options.now ?? Date.now;
  const started = now();
  const control = new AbortController();
  const timer = setTimeout(
    () => control.abort(new RestoreError('timeout', `restore exceeded ${options.timeoutMs} ms`)),
    options.timeoutMs,
  );
  const onOuterAbort = () => control.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let bytes = 0;
  let watchdog: Transform | undefined;
  try {
    const first = await firstChunk(source, control.signal, options.idleTimeoutMs ?? 120_000);
    if (first === undefined) throw new RestoreError('load', 'the dump is empty');
    source.unshift(first);
    watchdog = idleWatchdog(options.idleTimeoutMs ?? 120_000, (n) => {
      bytes += n;
    });
    const gzip = first[0] === 0x1f && first[1] === 0x8b;
    const child = spawnClient(scratch, options);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_KEEP);
    });
    // psql prints one command tag per statement; the COPY tags count the loaded rows exactly, for free.
    let rows: number | undefined;
    let partial = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const copy = COPY_TAG.exec(line);
        if (copy) rows = (rows ?? 0) + Number(copy[1]);
      }
    });
    const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
    const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
    // A client that dies early must end the load at once, not at the next write.
    child.once('close', (code) => {
      if (code !== 0) control.abort(new RestoreError('load', 'client exited'));
    });
    const filter = options.stripOwnership && scratch.engine === 'postgres' ? [stripOwnership()] : [];
    const stages = [
      source,
      watchdog,
      ...(gzip ? [createGunzip({ chunkSize: INFLATE_CHUNK_BYTES })] : []),
      ...filter,
      child.stdin,
    ];
    let pipeError: unknown;
    try {
      await Promise.race([pipeline(stages, { signal: control.signal }), spawnError]);
    } catch (error) {
      pipeError = error;
      child.kill('SIGKILL');
    }
    const [code, signal] = await Promise.race([exited, spawnError]);
    for (const reason of [control.signal.aborted ? control.signal.reason : undefined, pipeError]) {
      if (reason instanceof RestoreError && reason.phase !== 'load') throw reason;
    }
    if (code !== 0 || pipeError !== undefined) {
      const detail = lastLine(stderr) || describe(pipeError) || `client exited with ${code ?? signal}`;
      throw new RestoreError('load', `restore into ${scratch.name} failed: ${detail}`, {
        cause: pipeError,
        details: { exitCode: code, stderr },
      });
    }
    return { durationMs: now() - started, bytes, gzip, ...(rows === undefined ? {} : { rows }) };
  } catch (error) {
    const reason = control.signal.aborted ? control.signal.reason : undefined;
    if (reason instanceof RestoreError && reason.phase !== 'load') throw reason;
    if (error instanceof RestoreError) throw error;
    throw new RestoreError('load', `restore into ${scratch.name} failed: ${describe(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
    watchdog?.destroy();
    if (!source.destroyed) source.destroy();
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

function spawnClient(scratch: ScratchDatabase, options: RestoreOptions) {
  const parts = parseDatabaseUrl(scratch.engine, scratch.url);
  // Credentials travel in the environment, never on the command line where `ps` shows them.
  if (scratch.engine === 'postgres') {
    const env = {
      ...process.env,
      PGHOST: parts.host,
      PGPORT: String(parts.port),
      PGUSER: parts.user,
      PGPASSWORD: parts.password,
      PGDATABASE: scratch.name,
      PGCONNECT_TIMEOUT: '15',
      PGSSLMODE: parts.params.get('sslmode') ?? process.env.PGSSLMODE ?? 'prefer',
      PGAPPNAME: 'opsfn-restore',
    };
    // Not quiet: the command tags on stdout carry the row counts (query results there are ignored).
    const args = ['-X', '-v', 'ON_ERROR_STOP=1', '--single-transaction'];
    return spawn(options.psql ?? 'psql', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  }
  const env = { ...process.env, MYSQL_PWD: parts.password };
  const args = [
    `--host=${parts.host}`,
    `--port=${parts.port}`,
    `--user=${parts.user}`,
    '--protocol=TCP',
    '--connect-timeout=15',
    '--batch',
    // Statements after a `USE other_db` are ignored, so a multi-database dump cannot touch real databases.
    '--one-database',
    scratch.name,
  ];
  return spawn(options.mysql ?? findOnPath(['mariadb', 'mysql']) ?? 'mariadb', args, {
    env,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

async function firstChunk(source: Readable, signal: AbortSignal, idleMs: number): Promise<Buffer | undefined> {
  const stall = AbortSignal.timeout(idleMs);
  while (true) {
    const chunk: Buffer | null = source.read();
    if (chunk !== null) return chunk;
    if (source.readableEnded) return undefined;
    const [event] = (await Promise.race([
      once(source, 'readable', { signal: AbortSignal.any([signal, stall]) }).then(() => ['readable']),
      once(source, 'end').then(() => ['end']),
    ]).catch((error: unknown) => {
      if (stall.aborted) throw new RestoreError('stalled', `the dump delivered no bytes for ${idleMs} ms`);
      throw error;
    })) as [string];
    if (event === 'end') return undefined;
  }
}

/**
 * A pass-through that counts bytes and fails when the source delivers none for `idleMs` while the
 * client is ready for more. Bytes still buffered here mean the client is the slow side (building an
 * index can take minutes): that is left to the overall timeout, not called a stall.
 */
function idleWatchdog(idleMs: number, count: (n: number) => void): Transform {
  let timer: NodeJS.Timeout | undefined;
  const arm = (stream: Transform) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (stream.readableLength > 0 || stream.writableLength > 0) arm(stream);
      else stream.destroy(new RestoreError('stalled', `the dump delivered no bytes for ${idleMs} ms`));
    }, idleMs);
  };
  const stream: Transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      count(chunk.length);
      arm(stream);
      done(null, chunk);
    },
    flush(done) {
      clearTimeout(timer);
      done();
    },
    destroy(error, done) {
      clearTimeout(timer);
      done(error);
    },
  });
  arm(stream);
  return stream;
}

function findOnPath(names: string[]): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const name of names) {
    for (const dir of dirs) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return name;
      } catch {
        // not in this directory
      }
    }
  }
  return undefined;
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^(DETAIL|HINT|CONTEXT|LINE \d+):/.test(l));
  return lines.slice(-2).join(' / ');
}

function describe(error: unknown): string {
  if (error === undefined) return '';
  return error instanceof Error ? error.message : String(error);
}
