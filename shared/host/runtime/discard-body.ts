import type { IncomingMessage, ServerResponse } from 'node:http';

/** How much of an unread body a refused request may still send before its connection is closed. */
export const LINGER_BYTES = 1024 * 1024;

/**
 * Discards the body of a request answered without reading it (a refusal). Up to {@link LINGER_BYTES}
 * are drained, because closing a socket with unread data resets it and the client could lose the
 * reply; past that the connection is closed instead of reading a hostile upload to its end, which
 * would only make garbage of it.
 */
export function discardUnread(req: IncomingMessage, res: ServerResponse): void {
  if (req.readableEnded) return;
  if (!res.headersSent) res.setHeader('connection', 'close');
  let seen = 0;
  let closing = false;
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (closing || seen <= LINGER_BYTES) return;
    closing = true;
    req.pause();
    const close = () => req.socket.destroy();
    if (res.writableFinished) close();
    else res.once('finish', close);
  });
  req.resume();
}
