import { once } from 'node:events';
import { type Readable, Transform } from 'node:stream';
import { RestoreError } from './errors.js';

/** The first chunk of `source`, or undefined for an empty one; a source silent for `idleMs` is a stall. */
export async function firstChunk(source: Readable, signal: AbortSignal, idleMs: number): Promise<Buffer | undefined> {
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
export function idleWatchdog(idleMs: number, count: (n: number) => void): Transform {
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
