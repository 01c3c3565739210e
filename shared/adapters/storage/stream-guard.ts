import { PassThrough, type Readable } from 'node:stream';

/**
 * Re-emits a download stream through a PassThrough whose errors are mapped once, so a dropped
 * connection mid-download surfaces as the same typed error as a failed request. With `idleMs`, a
 * source that sends nothing for that long while the consumer waits for data (a stalled connection, or
 * one dropped without an error, as `@google-cloud/storage`'s read stream can be) fails with a timeout.
 */
export function guardStream(
  source: Readable,
  mapError: (error: unknown) => Error,
  signal?: AbortSignal,
  idleMs?: number,
): Readable {
  const out = new PassThrough({ highWaterMark: source.readableHighWaterMark });
  source.on('error', (error) => out.destroy(mapError(error)));
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    if (idleMs === undefined || out.destroyed) return;
    clearTimeout(idle);
    idle = setTimeout(() => {
      // A consumer not reading holds the source back: that wait is the consumer's, not a stall.
      if (out.writableNeedDrain || out.readableLength >= out.readableHighWaterMark) return arm();
      const error = Object.assign(new Error(`no data for ${idleMs} ms`), { code: 'ETIMEDOUT' });
      out.destroy(mapError(error));
    }, idleMs);
  };
  source.on('data', arm);
  source.once('end', () => clearTimeout(idle));
  arm();
  // The caller's signal bounds the whole download, not only the wait for response headers.
  const onAbort = () => out.destroy(mapError(signal?.reason ?? new Error('aborted')));
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  // A consumer that stops early must release the socket underneath.
  out.on('close', () => {
    clearTimeout(idle);
    signal?.removeEventListener('abort', onAbort);
    if (!source.destroyed) source.destroy();
  });
  source.pipe(out);
  return out;
}

/** An AbortSignal that fires after `ms` or when `parent` aborts, with a `clear` to cancel the timer once done. */
export function deadline(
  ms: number,
  parent?: AbortSignal,
): { signal: AbortSignal; clear: () => void; timedOut: () => boolean } {
  const controller = new AbortController();
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
    controller.abort(new Error(`timed out after ${ms} ms`));
  }, ms);
  const onAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onAbort();
  else parent?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => fired,
    clear: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}
