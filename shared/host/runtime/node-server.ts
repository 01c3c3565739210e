import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { toOpsError } from '../../core/errors/index.js';
import { CONTROL_PATH, controlRoutes } from './control-routes.js';
import { discardUnread } from './discard-body.js';
import { ShutdownError } from './errors.js';
import { handleHttp, handleRoutes } from './http.js';
import { errorReply, type HttpReply, normalizeHeaders, readBodyUpTo, subpathOf } from './http-reply.js';
import { readiness } from './readiness.js';
import type { Runtime } from './runtime.js';

function send(res: ServerResponse, reply: HttpReply): void {
  const body = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...reply.headers,
  });
  res.end(body);
}

/**
 * A part of the server beside the functions (the console, `/metrics`): answers the request and
 * resolves true when the path is its own, else resolves false without touching it.
 */
export type HostMount = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

/** Options of {@link createHttpServer}. */
export interface HttpServerOptions {
  /** The server listens on loopback only: requests naming another `Host` are refused (DNS rebinding). */
  loopback?: boolean;
  /** The `Host` names it answers to; others are refused (DNS rebinding) wherever it listens. */
  hosts?: readonly string[];
  /** Asked in order before the functions; each applies the request guard and credentials itself. */
  mounts?: readonly HostMount[];
}

/**
 * Serves every registered function at `POST /<entryPoint>`, liveness at `GET /healthz`, readiness at
 * `GET /readyz` and the kill switch at `/control` on one port; the local equivalent of the deployed functions.
 */
export function createHttpServer(runtime: Runtime, options: HttpServerOptions = {}): Server {
  const control = controlRoutes(runtime);
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://local');
    const [name = '', ...rest] = url.pathname.replace(/^\/+|\/+$/g, '').split('/');
    if (req.method === 'GET' && name === 'healthz' && rest.length === 0) {
      // Liveness only: the process answers. Whether it can work is /readyz.
      return send(res, { status: 200, body: { status: 'ok', functions: runtime.functions.map((f) => f.name) } });
    }
    if (req.method === 'GET' && name === 'readyz' && rest.length === 0) return send(res, await readiness(runtime));
    for (const mount of options.mounts ?? []) if (await mount(req, res, url)) return;
    if (runtime.draining) {
      discardUnread(req, res);
      runtime.reject(name, 'refused: opsfn is shutting down', { method: req.method, path: url.pathname });
      return send(res, errorReply(new ShutdownError()));
    }
    const head = {
      method: req.method ?? 'GET',
      path: `${url.pathname}${url.search}`,
      headers: normalizeHeaders(req.headers),
    };
    const read = (limit: number) => readBodyUpTo(req, limit);
    const http = { loopback: options.loopback === true, hosts: options.hosts };
    const subpath = subpathOf(rest.join('/'));
    const reply =
      name === CONTROL_PATH
        ? await handleRoutes(runtime, name, control, head, read, subpath, http)
        : await handleHttp(runtime, name, head, read, subpath, http);
    // A body nobody read (a refused request) is drained briefly, then its connection closed.
    discardUnread(req, res);
    send(res, reply);
  };

  // Bounds on a client that sends slowly (headers, then the whole request): Node's defaults (60 s, 5 min) let
  // a few hundred connections trickling bodies hold this process's memory.
  return createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    route(req, res).catch((thrown: unknown) => {
      const error = toOpsError(thrown);
      if (!res.headersSent) send(res, errorReply(error));
      else res.destroy(error);
    });
  });
}
