import { randomUUID } from 'node:crypto';
import { traceFromHeaders } from '../../core/audit/index.js';
import { BadInputError, ForbiddenError, type OpsError, toOpsError } from '../../core/errors/index.js';
import type { IncomingRequest, WireFormat } from '../../core/events/index.js';
import { parseRequest, readBody } from '../../core/events/index.js';
import type { FunctionRoute, ResultEnvelope, RouteRequest } from '../../core/run/index.js';
import { authenticate, type Caller } from './auth.js';
import { continuationKey } from './continuation.js';
import { callerMay } from './grants.js';
import { errorReply, type HttpReply, refusalReply, statusOf } from './http-reply.js';
import { guardRequest } from './request-guard.js';
import type { Runtime } from './runtime.js';
import { admitTrigger } from './trigger-trust.js';

/** A request before its body is read. */
export type RequestHead = Omit<IncomingRequest, 'body'>;

/** Reads the request body, refusing it past `limit` bytes; called only once the request is admitted. */
export type BodyReader = (limit: number) => Promise<Buffer>;

/** How a server hands requests to {@link handleHttp}. */
export interface HttpOptions {
  /** The server listens on loopback only: a `Host` naming anything else is refused. */
  loopback?: boolean;
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

function refuse(runtime: Runtime, name: string, head: RequestHead, error: OpsError, extra = {}): HttpReply {
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
  const route = definition.routes?.find((r) => r.method === head.method && r.subpath === subpath);
  if (!route && (head.method !== 'POST' || subpath !== '')) {
    const known = (definition.routes ?? []).map((r) => `${r.method} /${name}${r.subpath ? `/${r.subpath}` : ''}`);
    return {
      status: head.method === 'POST' || subpath !== '' ? 404 : 405,
      body: {
        error: 'route',
        message: `${head.method} /${name}${subpath ? `/${subpath}` : ''} is not served (POST /${name}${known.length ? `, ${known.join(', ')}` : ''})`,
      },
    };
  }
  const refusal = guardRequest(head.method, head.headers, { loopback: options.loopback === true });
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

/** What an extra route of function `name` gets for one admitted call: the request and the runtime's services. */
export function routeRequest(
  runtime: Runtime,
  name: string,
  call: Pick<RouteRequest, 'method' | 'subpath' | 'query' | 'body' | 'caller'>,
): RouteRequest {
  return {
    ...call,
    config: runtime.config,
    state: runtime.state,
    now: () => runtime.now(),
    log: runtime.logger(name),
    continue: (key, payload) => runtime.continuation(name, continuationKey(key), payload),
  };
}

async function runRoute(
  runtime: Runtime,
  name: string,
  head: RequestHead,
  subpath: string,
  { route, body, caller }: Admitted & { route: FunctionRoute },
): Promise<HttpReply> {
  let parsed: unknown;
  try {
    parsed = readBody(body);
  } catch (thrown) {
    return refuse(runtime, name, head, toOpsError(thrown), { caller: caller.id });
  }
  try {
    const reply = await route.handle(
      routeRequest(runtime, name, {
        method: head.method,
        subpath,
        query: new URL(head.path, 'http://local').searchParams,
        body: parsed,
        caller: caller.id,
      }),
    );
    // A route answers from state, which holds references only; scrub anyway, a reply is the last gate.
    return { ...reply, body: runtime.redactor.scrubValue(reply.body) };
  } catch (thrown) {
    return refuse(runtime, name, head, toOpsError(thrown), { caller: caller.id });
  }
}

function wantsDryRun(head: RequestHead): boolean {
  const header = head.headers['x-opsfn-dry-run'];
  const query = new URL(head.path, 'http://local').searchParams.get('dryRun');
  return header === 'true' || header === '1' || query === 'true' || query === '1';
}

/** Parses an admitted body into triggers and runs each through function `name`: one envelope per trigger. */
export async function runIntake(
  runtime: Runtime,
  name: string,
  head: RequestHead,
  { body, caller }: Admitted,
  formats?: readonly WireFormat[],
): Promise<ResultEnvelope[] | HttpReply> {
  let intake: ReturnType<typeof parseRequest>;
  try {
    intake = parseRequest({ ...head, body }, { newId: randomUUID, now: () => runtime.now() });
    if (formats && !formats.includes(intake.format)) {
      throw new BadInputError(`${intake.format} requests are not served here (takes: ${formats.join(', ')})`);
    }
  } catch (thrown) {
    return refuse(runtime, name, head, toOpsError(thrown), { bytes: body.length, caller: caller.id });
  }
  const trace = traceFromHeaders(head.headers);
  const dryRun = wantsDryRun(head);
  const log = runtime.logger(name);
  const envelopes: ResultEnvelope[] = [];
  for (const trigger of intake.triggers) {
    const admitted = admitTrigger(name, trigger, caller, log);
    envelopes.push(
      await runtime.invoke(name, admitted, { format: intake.format, dryRun, ...(trace ? { trace } : {}) }),
    );
  }
  return envelopes;
}

/**
 * Handles one HTTP request for one function: admit (guard, credentials, bounded body) → an extra
 * route, or intake → run each trigger → one reply (the envelope, or `{ results }` for a batch).
 */
export async function handleHttp(
  runtime: Runtime,
  name: string,
  head: RequestHead,
  bodyReader: BodyReader,
  subpath = '',
  options: HttpOptions = {},
): Promise<HttpReply> {
  const admitted = await admit(runtime, name, head, bodyReader, subpath, options);
  if (!('caller' in admitted)) return admitted;
  if (admitted.route) return runRoute(runtime, name, head, subpath, { ...admitted, route: admitted.route });
  const envelopes = await runIntake(runtime, name, head, admitted, options.formats);
  if (!Array.isArray(envelopes)) return envelopes;
  const status = statusOf(envelopes);
  return {
    status,
    body: envelopes.length === 1 ? envelopes[0] : { results: envelopes },
    // A redelivery after this long finds a run in progress finished or its claim expired.
    ...(status === 409 || status === 429 || status === 503 ? { headers: { 'retry-after': '30' } } : {}),
  };
}
