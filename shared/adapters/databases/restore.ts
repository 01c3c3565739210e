import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { errorMessage as describe } from '../../core/errors/index.js';
import type { ScratchDatabase } from './connection.js';
import { RestoreError } from './errors.js';
import { scanMysqlDump } from './mysql-scan.js';
import { stripOwnership } from './ownership-filter.js';
import { restrictPsql } from './psql-restrict.js';
import { checkRestoreClient, type RestoreClients, spawnClient } from './restore-client.js';
import { clientProblem, describeLoadFailure, formatLoadFailure } from './restore-failure.js';
import { endClientSessions, stopClient } from './restore-session.js';
import { firstChunk, idleWatchdog } from './restore-stream.js';

/** Options of one restore. */
export interface RestoreOptions extends RestoreClients {
  /** Bound on the whole load. */
  timeoutMs: number;
  /** A source that delivers no bytes this long is treated as a dump that never ends. */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  /** PostgreSQL: drop owner and privilege statements (`pg_restore --no-owner --no-acl`); MySQL: blank DEFINER clauses. */
  stripOwnership?: boolean;
  /** How long a client gets between SIGTERM and SIGKILL. */
  killGraceMs?: number;
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
/** The longest line of psql's output read as a command tag (`COPY 18446744073709551615` is 25 characters). */
const MAX_TAG_LINE = 64;

/**
 * Streams a plain pg_dump or mysqldump (gzip or not, detected from its first bytes) into an existing
 * scratch database through a restricted client: psql under a random `\restrict` key, the MariaDB
 * client with `--sandbox --binary-mode` behind a scan for statements naming another database. The
 * client gets a minimal environment. A stall, the timeout or an abort stops the client (SIGTERM,
 * then SIGKILL), ends its server session and throws {@link RestoreError}; a failed load names the
 * line and the error code, never the data.
 */
export async function restoreDump(
  source: Readable,
  scratch: ScratchDatabase,
  options: RestoreOptions,
): Promise<RestoreStats> {
  const now = options.now ?? Date.now;
  const started = now();
  await checkRestoreClient(scratch.engine, options);
  const control = new AbortController();
  const timer = setTimeout(
    () => control.abort(new RestoreError('timeout', `timeout: the restore exceeded ${options.timeoutMs} ms`)),
    options.timeoutMs,
  );
  const onOuterAbort = () => control.abort(outerReason(options.signal?.reason));
  if (options.signal?.aborted) onOuterAbort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const home = await mkdtemp(join(tmpdir(), 'opsfn-restore-'));
  const appName = `opsfn-restore-${randomBytes(6).toString('hex')}`;
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
    const child = spawnClient(scratch, { ...options, home, appName });
    // Registered before the pipeline's own listener: the client dies before its input closes, so
    // it never runs a half-sent statement at end of input.
    const onAbort = () =>
      stopClient(
        child,
        options.killGraceMs ?? 2_000,
        (control.signal.reason as RestoreError | undefined)?.phase === 'refused',
      );
    control.signal.addEventListener('abort', onAbort, { once: true });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_KEEP);
    });
    // psql prints one command tag per statement; the COPY tags count the loaded rows exactly, for free.
    // Only short lines can be tags: a longer one (a dump's `SELECT repeat('x', 1e8)` prints one) is skipped to
    // its end, never gathered, so what psql prints costs time and memory in proportion to it.
    let rows: number | undefined;
    let partial = '';
    let skipping = false;
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      if (scratch.engine !== 'postgres') return;
      for (let at = 0; at < text.length; ) {
        const end = text.indexOf('\n', at);
        if (end === -1) {
          if (!skipping) partial += text.slice(at);
          if (partial.length > MAX_TAG_LINE) [partial, skipping] = ['', true];
          return;
        }
        const line = skipping ? '' : partial + text.slice(at, end);
        [partial, skipping] = ['', false];
        const copy = line.length <= MAX_TAG_LINE ? COPY_TAG.exec(line) : null;
        if (copy) rows = (rows ?? 0) + Number(copy[1]);
        at = end + 1;
      }
    });
    const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
    const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
    // A client that dies early must end the load at once, not at the next write.
    child.once('close', (code) => {
      if (code !== 0) control.abort(new RestoreError('load', 'client exited'));
    });
    const guard =
      scratch.engine === 'postgres'
        ? restrictPsql(randomBytes(24).toString('hex'))
        : scanMysqlDump({
            database: scratch.name,
            stripDefiners: options.stripOwnership === true,
            onViolation: ({ line, reason }) =>
              control.abort(new RestoreError('refused', `refused at line ${line}: ${reason}`, { line })),
          });
    const stages = [
      source,
      watchdog,
      ...(gzip ? [createGunzip({ chunkSize: INFLATE_CHUNK_BYTES })] : []),
      ...(options.stripOwnership && scratch.engine === 'postgres' ? [stripOwnership()] : []),
      guard,
      child.stdin,
    ];
    let pipeError: unknown;
    try {
      await Promise.race([pipeline(stages, { signal: control.signal }), spawnError]);
    } catch (error) {
      pipeError = error;
      if (!control.signal.aborted) stopClient(child, 0, true);
    }
    // The whole dump may be written while the client still runs its last statement (a `pg_sleep`):
    // an abort stops it all the same, through `onAbort`.
    const [code, signal] = await Promise.race([exited, spawnError]);
    const reason = control.signal.aborted ? control.signal.reason : undefined;
    if (reason instanceof RestoreError && reason.phase !== 'load') {
      const left = await endClientSessions(scratch, appName, 5_000);
      if (reason.phase !== 'timeout' || left === undefined) throw reason;
      throw new RestoreError('timeout', `${reason.message}; its server session could not be ended: ${left}`);
    }
    if (pipeError instanceof RestoreError && pipeError.phase !== 'load') throw pipeError;
    if (code !== 0 || pipeError !== undefined) throw loadError(scratch, stderr, code ?? signal, pipeError);
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
    await rm(home, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The run was stopped from outside (its `limits.timeout`, a shutdown): a timeout of the restore. */
function outerReason(reason: unknown): RestoreError {
  if (reason instanceof RestoreError) return reason;
  return new RestoreError('timeout', `timeout: the run was stopped (${describe(reason ?? 'aborted')})`);
}

function loadError(scratch: ScratchDatabase, stderr: string, exit: unknown, cause: unknown): RestoreError {
  const offset = scratch.engine === 'postgres' ? 1 : 0;
  const failure = describeLoadFailure(scratch.engine, stderr, offset);
  if (failure) {
    const message = `restore into ${scratch.name} ${failure.refused ? 'refused' : 'failed'} at ${formatLoadFailure(failure)}`;
    return new RestoreError(failure.refused ? 'refused' : 'load', message, {
      cause,
      ...(failure.line === undefined ? {} : { line: failure.line }),
      ...(failure.code === undefined ? {} : { code: failure.code }),
    });
  }
  const detail =
    clientProblem(stderr) ?? (cause === undefined ? `client exited with ${String(exit)}` : describe(cause));
  return new RestoreError('load', `restore into ${scratch.name} failed: ${detail}`, { cause });
}
