import { PassThrough, type Readable } from 'node:stream';

/**
 * Re-emits a download stream through a PassThrough whose errors are mapped once, so a dropped
 * connection mid-download surfaces as the same typed error as a failed request.
 */
export function guardStream(source: Readable, mapError: (error: unknown) => Error, signal?: AbortSignal): Readable {
  const out = new PassThrough({ highWaterMark: source.readableHighWaterMark });
  source.on('error', (error) => out.destroy(mapError(error)));
  // The caller's signal bounds the whole download, not only the wait for response headers.
  const onAbort = () => out.destroy(mapError(signal?.reason ?? new Error('aborted')));
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  // A consumer that stops early must release the socket underneath.
  out.on('close', () => {
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
