import type { IncomingMessage, ServerResponse } from 'node:http';

/** How much of an unread body a refused request may still send before its connection is closed. */
export const LINGER_BYTES = 1024 * 1024;
/** How long a half-closed connection with an unread upload is kept before it is cut off. */
const LINGER_MS = 5_000;

/**
 * Discards the body of a request answered without reading it (a refusal). Up to {@link LINGER_BYTES}
 * are drained; past that reading stops and the connection is closed after the reply, instead of
 * reading a hostile upload to its end, which would only make garbage of it. Closing at once would
 * reset a socket with unread data, and the client could lose the reply.
 */
export function discardUnread(req: IncomingMessage, res: ServerResponse): void {
  if (req.readableEnded) return;
  // No `Connection: close`: with it the server destroys the socket right after the reply, and a client still
  // uploading gets a reset instead of the reply. The close below half-closes and waits instead.
  let seen = 0;
  let closing = false;
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (closing || seen <= LINGER_BYTES) return;
    closing = true;
    // Stop reading: the upload stalls in the kernel's buffers instead of becoming garbage here. The reply is
    // sent and the socket half-closed, so the client reads it and its end; a client that keeps the
    // connection open anyway is cut off a little later.
    req.pause();
    const close = () => {
      req.socket.end();
      setTimeout(() => req.socket.destroy(), LINGER_MS).unref();
    };
    if (res.writableFinished) close();
    else res.once('finish', close);
  });
  req.resume();
}
