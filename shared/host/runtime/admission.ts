import { ForbiddenError, type OpsError, toOpsError } from '../../core/errors/index.js';
import type { IncomingRequest, WireFormat } from '../../core/events/index.js';
import type { FunctionRoute } from '../../core/run/index.js';
import { authenticate, type Caller } from './auth.js';
import { callerMay } from './grants.js';
import { errorReply, type HttpReply, refusalReply } from './http-reply.js';
import { guardRequest } from './request-guard.js';
import type { Runtime } from './runtime.js';

/** A request before its body is read. */
export type RequestHead = Omit<IncomingRequest, 'body'>;

/** Reads the request body, refusing it past `limit` bytes; called only once the request is admitted. */
export type BodyReader = (limit: number) => Promise<Buffer>;

/** How a server hands requests to {@link handleHttp}. */
export interface HttpOptions {
  /** The server listens on loopback only: a `Host` naming anything else is refused. */
  loopback?: boolean;
  /** The `Host` names the server answers to; others are refused. */
  hosts?: readonly string[] | undefined;
  /** The caller when the platform already established it (Cloud Run IAM in front of a CloudEvent target). */
  caller?: Caller;
  /** The only wire formats this entry point takes; others are refused with 400. */
  formats?: readonly WireFormat[];
}

/** A request admitted to a function: who sent it and, for an extra route, which one. */
export interface Admitted {
  caller: Caller;
  route: FunctionRoute | undefined;
  body: Buffer;
}

function evidenceOf(head: RequestHead, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const h = head.headers;
  return {
    method: head.method,
    path: head.path,
    ...(h.host ? { host: h.host } : {}),
    ...(h.origin ? { origin: h.origin } : {}),
    ...(h['sec-fetch-site'] ? { secFetchSite: h['sec-fetch-site'] } : {}),
    ...(h['content-type'] ? { contentType: h['content-type'] } : {}),
    ...(h['user-agent'] ? { userAgent: h['user-agent'] } : {}),
    ...extra,
  };
}

/** Audits a refused request and answers it with the error's status. */
export function refuse(runtime: Runtime, name: string, head: RequestHead, error: OpsError, extra = {}): HttpReply {
  runtime.reject(name, `${error.kind}: ${error.message}`, evidenceOf(head, { ...error.details, ...extra }));
  return errorReply(error);
}

/**
 * Admits a request to function `name` in the order that costs an attacker most and opsfn least:
 * route → request guard (Host, Origin, Sec-Fetch-Site, media type) → credentials → the caller's
 * allow list → the body, read only now and bounded by `limits.body`. Every refusal is audited.
 */
export async function admit(
  runtime: Runtime,
  name: string,
  head: RequestHead,
  bodyReader: BodyReader,
  subpath: string,
  options: HttpOptions = {},
): Promise<Admitted | HttpReply> {
  let definition: ReturnType<Runtime['find']>;
  try {
    definition = runtime.find(name);
  } catch (thrown) {
    return errorReply(toOpsError(thrown));
  }
  return admitTo(runtime, { name, routes: definition.routes ?? [], intake: true }, head, bodyReader, subpath, options);
}

/** What a path serves: a function (its extra routes and its trigger intake), or routes alone (`/control`). */
export interface RouteTarget {
  name: string;
  routes: readonly FunctionRoute[];
  /** `POST /<name>` takes triggers. */
  intake: boolean;
}

/** Admits a request to a route target; see {@link admit}. */
export async function admitTo(
  runtime: Runtime,
  target: RouteTarget,
  head: RequestHead,
  bodyReader: BodyReader,
  subpath: string,
  options: HttpOptions,
): Promise<Admitted | HttpReply> {
  const { name } = target;
  const route = target.routes.find((r) => r.method === head.method && r.subpath === subpath);
  if (!route && (!target.intake || head.method !== 'POST' || subpath !== '')) {
    const known = [
      ...(target.intake ? [`POST /${name}`] : []),
      ...target.routes.map((r) => `${r.method} /${name}${r.subpath ? `/${r.subpath}` : ''}`),
    ];
    return {
      status: head.method === 'POST' || subpath !== '' || !target.intake ? 404 : 405,
      body: {
        error: 'route',
        message: `${head.method} /${name}${subpath ? `/${subpath}` : ''} is not served (${known.join(', ')})`,
      },
    };
  }
  const refusal = guardRequest(head.method, head.headers, {
    loopback: options.loopback === true,
    hosts: options.hosts,
  });
  if (refusal) {
    runtime.reject(name, `refused: ${refusal.message}`, evidenceOf(head));
    return refusalReply(refusal);
  }
  let caller: Caller;
  try {
    caller =
      options.caller ?? (await authenticate(head.headers, runtime.config.auth, runtime.secret, runtime.verifyOidc));
  } catch (thrown) {
    return refuse(runtime, name, head, toOpsError(thrown));
  }
  if (!callerMay(caller, { function: name, method: head.method, subpath })) {
    const what = `${head.method} /${name}${subpath ? `/${subpath}` : ''}`;
    return refuse(runtime, name, head, new ForbiddenError(`${caller.id} may not call ${what}`), { caller: caller.id });
  }
  try {
    return { caller, route, body: await bodyReader(runtime.config.limits.body) };
  } catch (thrown) {
    return refuse(runtime, name, head, toOpsError(thrown), { caller: caller.id });
  }
}
