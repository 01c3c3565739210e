import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import { Crc32c } from './crc32c.js';
import { type TarSummary, TarWalker } from './tar-walker.js';

const HEAD_KEEP = 1024;
const TAIL_KEEP = 4096;

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
 * Reads a stream exactly once: hashes every byte on the main thread while zlib inflates in libuv's
 * threadpool, walks a tar archive if asked, and keeps only the head and tail of the decoded text.
 * Backpressure from the inflater pauses the read; memory stays flat whatever the size. A read error
 * (network, access, stall) rejects; a decode error is reported in the result while hashing goes on.
 */
export async function scanStream(source: Readable, options: ScanOptions): Promise<ScanResult> {
  const sha = createHash('sha256');
  const md5: Hash | undefined = options.md5 ? createHash('md5') : undefined;
  const crc = options.crc32c ? new Crc32c() : undefined;
  const decoded = new DecodedSink(options.tar);
  let bytes = 0;
  let gunzip: Gunzip | undefined;
  let gzip = false;
  let decodeError: string | undefined;
  let decodeDone: Promise<void> = Promise.resolve();

  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(
      () => source.destroy(new Error(`no bytes received for ${options.idleTimeoutMs} ms`)),
      options.idleTimeoutMs,
    );
  };
  arm();
  try {
    for await (const piece of source) {
      arm();
      const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as Uint8Array);
      if (bytes === 0 && chunk.length > 0) {
        gzip = chunk[0] === 0x1f && (chunk.length < 2 || chunk[1] === 0x8b);
        if (gzip) {
          gunzip = createGunzip({ chunkSize: 256 * 1024 });
          const inflater = gunzip;
          inflater.on('data', (out: Buffer) => decoded.write(out));
          decodeDone = new Promise((resolve) => {
            inflater.once('end', resolve);
            inflater.once('error', (error: Error) => {
              decodeError = gzipMessage(error);
              gunzip = undefined;
              resolve();
            });
          });
        } else if (options.expectGzip) {
          decodeError = 'not in gzip format (no gzip magic bytes)';
        }
      }
      bytes += chunk.length;
      options.progress?.(bytes);
      sha.update(chunk);
      md5?.update(chunk);
      crc?.update(chunk);
      if (gunzip) {
        if (!gunzip.write(chunk)) {
          // Waiting on our own inflater is not the source stalling.
          clearTimeout(idle);
          await Promise.race([once(gunzip, 'drain'), decodeDone]);
          arm();
        }
      } else if (!gzip && decodeError === undefined) {
        decoded.write(chunk);
      }
    }
  } catch (error) {
    gunzip?.destroy();
    throw error;
  } finally {
    clearTimeout(idle);
  }
  if (gunzip) gunzip.end();
  await decodeDone;
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
