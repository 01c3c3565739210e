import type { ServerResponse } from 'node:http';
import { METRICS_ROUTE } from '../../core/config/index.js';
import { ForbiddenError, toOpsError } from '../../core/errors/index.js';
import {
  authenticate,
  callerMay,
  discardUnread,
  errorReply,
  guardRequest,
  type HostMount,
  normalizeHeaders,
  type Runtime,
} from '../runtime/index.js';
import type { OpsMetrics } from './ops-metrics.js';

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * `GET /metrics` in the Prometheus text format, admitted like any API call: the request guard, then
 * the caller's credentials; a scoped token needs a grant for the function name `metrics`
 * (`allow: [{ function: metrics }]`), so the scraper's token can read figures and nothing else.
 */
export function metricsMount(
  runtime: Runtime,
  metrics: OpsMetrics,
  options: { loopback: boolean; hosts?: readonly string[] },
): HostMount {
  return async (req, res, url) => {
    if (url.pathname !== '/metrics') return false;
    const method = req.method ?? 'GET';
    const headers = normalizeHeaders(req.headers);
    discardUnread(req, res);
    if (method !== 'GET') {
      sendJson(res, 405, { error: 'route', message: 'GET /metrics only' });
      return true;
    }
    const refusal = guardRequest(method, headers, { loopback: options.loopback, hosts: options.hosts });
    if (refusal) {
      runtime.reject('metrics', `refused: ${refusal.message}`, { path: url.pathname });
      sendJson(res, refusal.status, { error: refusal.error, message: refusal.message });
      return true;
    }
    try {
      const caller = await authenticate(headers, runtime.config.auth, runtime.secret, runtime.verifyOidc);
      if (!callerMay(caller, { function: METRICS_ROUTE, method: 'GET', subpath: '' })) {
        throw new ForbiddenError(`${caller.id} may not call GET /metrics`);
      }
      const { contentType, body } = await metrics.render();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
    } catch (thrown) {
      const error = toOpsError(thrown);
      runtime.reject('metrics', `${error.kind}: ${error.message}`, { path: url.pathname });
      const reply = errorReply(error);
      sendJson(res, reply.status, reply.body, reply.headers);
    }
    return true;
  };
}
