/**
 * Calls `close` once when `signal` aborts (or at once when it already has), so a client a library cannot
 * cancel by itself (pg, mysql2, a socket) is torn down at the check's deadline. Returns the detacher.
 */
export function closeOnAbort(signal: AbortSignal, close: () => void): () => void {
  const run = () => {
    try {
      close();
    } catch {
      // Already closed: nothing left to free.
    }
  };
  if (signal.aborted) {
    run();
    return () => undefined;
  }
  signal.addEventListener('abort', run, { once: true });
  return () => signal.removeEventListener('abort', run);
}
