import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import { Crc32c } from './crc32c.js';
import { type TarSummary, TarWalker } from './tar-walker.js';

const HEAD_KEEP = 1024;
const TAIL_KEEP = 4096;
/**
 * Network reads arrive in 64 KiB pieces; zlib pays a threadpool round trip per write, so pieces
 * are gathered into batches of this size first (inflating 1 MiB writes is about 1.5× faster).
 */
const BATCH_BYTES = 1024 * 1024;
/** Decoded output per inflater round trip. */
const INFLATE_CHUNK_BYTES = 1024 * 1024;
/** Batches handed to zlib and not yet inflated: one inflating, one queued behind it, while the next fills. */
const BATCHES_IN_FLIGHT = 2;

/** What to compute in the single pass. */
export interface ScanOptions {
  /** The name says gzip (`.gz`, `.tgz`): a non-gzip body is then an integrity failure. */
  expectGzip: boolean;
  /** Walk the (decoded) body as a tar archive. */
  tar: boolean;
  md5?: boolean;
  crc32c?: boolean;
  /** No bytes for this long fails the read. */
  idleTimeoutMs: number;
  /** Called with the bytes read so far, after each chunk. */
  progress?: (bytes: number) => void;
}

/** Everything one pass over an object learned. */
export interface ScanResult {
  bytes: number;
  sha256: string;
  md5?: string;
  crc32c?: string;
  gzip: boolean;
  decodedBytes: number;
  /** Why decoding failed, when it did. */
  decodeError?: string;
  tar?: TarSummary;
  /** First KiB and last 4 KiB of the decoded text. */
  head: string;
  tail: string;
}

/**
 * Reads a stream exactly once: hashes every byte on the main thread while zlib inflates earlier
 * batches in libuv's threadpool, walks a tar archive if asked, and keeps only the head and tail of
 * the decoded text. At most a few MiB are held whatever the size: when the inflater falls behind,
 * the read waits. A read error (network, access, stall) rejects; a decode error is reported in the
 * result while hashing goes on to the end.
 */
export async function scanStream(source: Readable, options: ScanOptions): Promise<ScanResult> {
  const sha = createHash('sha256');
  const md5: Hash | undefined = options.md5 ? createHash('md5') : undefined;
  const crc = options.crc32c ? new Crc32c() : undefined;
  const decoded = new DecodedSink(options.tar);
  let bytes = 0;
  let inflater: BatchedInflater | undefined;
  let gzip = false;
  let notGzip: string | undefined;

  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    idle = setTimeout(
      () => source.destroy(new Error(`no bytes received for ${options.idleTimeoutMs} ms`)),
      options.idleTimeoutMs,
    );
  };
  arm();
  try {
    for await (const piece of source) {
      idle?.refresh();
      const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as Uint8Array);
      if (bytes === 0 && chunk.length > 0) {
        gzip = chunk[0] === 0x1f && (chunk.length < 2 || chunk[1] === 0x8b);
        if (gzip) inflater = new BatchedInflater((out) => decoded.write(out));
        else if (options.expectGzip) notGzip = 'not in gzip format (no gzip magic bytes)';
      }
      bytes += chunk.length;
      options.progress?.(bytes);
      sha.update(chunk);
      md5?.update(chunk);
      crc?.update(chunk);
      if (inflater) {
        const wait = inflater.push(chunk);
        if (wait) {
          // Waiting on our own inflater is not the source stalling.
          clearTimeout(idle);
          await wait;
          arm();
        }
      } else if (!gzip && notGzip === undefined) {
        decoded.write(chunk);
      }
    }
  } catch (error) {
    inflater?.destroy();
    throw error;
  } finally {
    clearTimeout(idle);
  }
  let decodeError = inflater ? await inflater.end() : notGzip;
  if (bytes === 0 && options.expectGzip) decodeError = 'empty object: no gzip data';
  return {
    bytes,
    sha256: sha.digest('hex'),
    ...(md5 ? { md5: md5.digest('base64') } : {}),
    ...(crc ? { crc32c: crc.digest() } : {}),
    gzip,
    decodedBytes: decoded.bytes,
    ...(decodeError === undefined ? {} : { decodeError }),
    ...(options.tar ? { tar: decoded.tarSummary() } : {}),
    head: decoded.head.toString('utf8'),
    tail: decoded.tail.toString('utf8'),
  };
}

/**
 * Feeds gunzip in batches of {@link BATCH_BYTES}, with at most {@link BATCHES_IN_FLIGHT} handed to
 * zlib at once, reusing the batch buffers once zlib is done with them.
 */
class BatchedInflater {
  private readonly gunzip: Gunzip;
  private readonly finished: Promise<void>;
  private readonly inFlight: Promise<void>[] = [];
  private readonly spare: Buffer[] = [];
  private batch: Buffer = Buffer.allocUnsafe(BATCH_BYTES);
  private filled = 0;
  private failure: string | undefined;

  constructor(onData: (out: Buffer) => void) {
    const gunzip = createGunzip({ chunkSize: INFLATE_CHUNK_BYTES });
    this.gunzip = gunzip;
    gunzip.on('data', onData);
    this.finished = new Promise((resolve) => {
      gunzip.once('end', resolve);
      gunzip.on('error', (error: Error) => {
        this.failure ??= gzipMessage(error);
        resolve();
      });
    });
  }

  /**
   * Takes the next bytes of the compressed stream. Returns a promise to await before pushing more
   * when zlib is a full pipeline behind; undefined otherwise, or once decoding has failed.
   */
  push(chunk: Buffer): Promise<void> | undefined {
    let offset = 0;
    while (offset < chunk.length && this.failure === undefined) {
      const copied = chunk.copy(this.batch, this.filled, offset);
      this.filled += copied;
      offset += copied;
      if (this.filled < BATCH_BYTES) continue;
      this.submit(this.batch);
      this.batch = this.spare.pop() ?? Buffer.allocUnsafe(BATCH_BYTES);
      this.filled = 0;
      if (this.inFlight.length >= BATCHES_IN_FLIGHT) return this.settleOldest(chunk.subarray(offset));
    }
    return undefined;
  }

  /** Inflates what is left and waits for the end; returns why decoding failed, if it did. */
  async end(): Promise<string | undefined> {
    if (this.failure === undefined) {
      if (this.filled > 0) this.gunzip.write(this.batch.subarray(0, this.filled));
      this.gunzip.end();
    }
    await this.finished;
    return this.failure;
  }

  destroy(): void {
    this.gunzip.destroy();
  }

  private submit(batch: Buffer): void {
    this.inFlight.push(
      new Promise((resolve) => {
        this.gunzip.write(batch, (error) => {
          if (!error) this.spare.push(batch);
          resolve();
        });
      }),
    );
  }

  private async settleOldest(rest: Buffer): Promise<void> {
    await Promise.race([this.inFlight.shift(), this.finished]);
    if (rest.length > 0) await this.push(rest);
  }
}

function gzipMessage(error: Error): string {
  const code = (error as { code?: string }).code;
  if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(error.message))
    return 'gzip stream truncated (unexpected end of file)';
  return `gzip data corrupt: ${error.message}`;
}

/** Receives decoded bytes: counts them, keeps head and tail, feeds the tar walker. */
class DecodedSink {
  bytes = 0;
  head = Buffer.alloc(0);
  tail = Buffer.alloc(0);
  private readonly walker: TarWalker | undefined;

  constructor(tar: boolean) {
    this.walker = tar ? new TarWalker() : undefined;
  }

  write(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.head.length < HEAD_KEEP) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_KEEP - this.head.length)]);
    }
    // Copies, so no large inflater buffer is kept alive by a small slice.
    this.tail =
      chunk.length >= TAIL_KEEP
        ? Buffer.from(chunk.subarray(chunk.length - TAIL_KEEP))
        : Buffer.concat([this.tail, chunk]).subarray(-TAIL_KEEP);
    this.walker?.write(chunk);
  }

  tarSummary(): TarSummary {
    return this.walker ? this.walker.finish() : { entries: 0, complete: false, error: 'not walked' };
  }
}
