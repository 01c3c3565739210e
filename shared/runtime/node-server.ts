import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { toOpsError } from '../errors/index.js';
import { ShutdownError } from './errors.js';
import { errorReply, type HttpReply, handleHttp, normalizeHeaders, readBody, subpathOf } from './http.js';
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
 * Serves every registered function at `POST /<entryPoint>`, `GET /healthz` and `GET /readyz` on one port;
 * the local equivalent of the deployed functions.
 */
export function createHttpServer(runtime: Runtime): Server {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://local');
    const [name = '', ...rest] = url.pathname.replace(/^\/+|\/+$/g, '').split('/');
    const subpath = subpathOf(rest.join('/'));
    if (req.method === 'GET' && name === 'healthz') {
      let state = 'ok';
      try {
        await runtime.state.ping();
      } catch {
        state = 'unavailable';
      }
      return send(res, { status: 200, body: { status: 'ok', state, functions: runtime.functions.map((f) => f.name) } });
    }
    if (req.method === 'GET' && name === 'readyz') {
      // Draining, or without its state store, a replica takes no new work: out of rotation until the store is back.
      const ready =
        !runtime.draining &&
        (await runtime.state.ping().then(
          () => true,
          () => false,
        ));
      return send(res, {
        status: ready ? 200 : 503,
        body: { status: ready ? 'ok' : runtime.draining ? 'shutting down' : 'state unavailable' },
      });
    }
    if (runtime.draining) {
      req.resume();
      runtime.reject(name, 'refused: opsfn is shutting down', { method: req.method, path: url.pathname });
      return send(res, errorReply(new ShutdownError()));
    }
    let body: Buffer;
    try {
      body = await readBody(req, runtime.config.limits.body);
    } catch (thrown) {
      const error = toOpsError(thrown);
      runtime.reject(name, error.message, { path: url.pathname });
      return send(res, errorReply(error));
    }
    const reply = await handleHttp(
      runtime,
      name,
      {
        method: req.method ?? 'GET',
        path: `${url.pathname}${url.search}`,
        headers: normalizeHeaders(req.headers),
        body,
      },
      subpath,
    );
    send(res, reply);
  };

  return createServer((req, res) => {
    route(req, res).catch((thrown: unknown) => {
      const error = toOpsError(thrown);
      if (!res.headersSent) send(res, errorReply(error));
      else res.destroy(error);
    });
  });
}
