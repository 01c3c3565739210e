import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';

/** How a request's body was framed before the gate hid it. */
export interface BodyFraming {
  contentLength?: string;
  transferEncoding?: string;
}

const framings = new WeakMap<IncomingMessage, BodyFraming>();
let installed = false;

interface ExpressLike {
  (...args: unknown[]): unknown;
  enabled(setting: string): boolean;
  disabled(setting: string): boolean;
}

// functions-framework's server is an Express app with `trust proxy` on and `x-powered-by` off
// (`getServer` in its src/server.ts); no other server of an opsfn process is.
function isFrameworkApp(listener: unknown): boolean {
  if (typeof listener !== 'function') return false;
  const app = listener as ExpressLike;
  return (
    typeof app.enabled === 'function' &&
    typeof app.disabled === 'function' &&
    app.enabled('trust proxy') &&
    app.disabled('x-powered-by')
  );
}

/**
 * Keeps functions-framework from reading request bodies. Its body parsers take up to 1024 MB before
 * any handler runs, and version 5 has no option to lower that; they skip a request that declares
 * no body (body-parser's `hasBody`), so when a request reaches the framework's server this hides its
 * `Content-Length` and `Transfer-Encoding` (through Node's `http.server.request.start` diagnostics
 * channel, published before the server's `request` event). opsfn's handler then checks the request
 * and its credentials, and reads the untouched stream itself within `limits.body`.
 * @see https://nodejs.org/api/diagnostics_channel.html#http
 */
export function installBodyGate(): void {
  if (installed) return;
  installed = true;
  subscribe('http.server.request.start', (message) => {
    const { request, server } = message as { request: IncomingMessage; server: Server };
    if (!server.listeners('request').some(isFrameworkApp)) return;
    const headers = request.headers;
    const framing: BodyFraming = {};
    if (headers['content-length'] !== undefined) framing.contentLength = headers['content-length'];
    if (headers['transfer-encoding'] !== undefined) framing.transferEncoding = headers['transfer-encoding'];
    framings.set(request, framing);
    delete headers['content-length'];
    delete headers['transfer-encoding'];
  });
}

/** The framing of a request whose body the gate kept for opsfn, or undefined when it did not see it. */
export function hiddenFraming(request: IncomingMessage): BodyFraming | undefined {
  return framings.get(request);
}
