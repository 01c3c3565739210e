import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { traceFromHeaders } from '../audit/trace.js';
import { BadInputError, type OpsError, TooLargeError, toOpsError } from '../errors/index.js';
import { parseRequest } from '../events/index.js';
import type { IncomingRequest } from '../events/trigger.js';
import { authenticate } from './auth.js';
import type { Runtime } from './runtime.js';
import type { FunctionRoute, ResultEnvelope } from './types.js';

/** An HTTP answer, independent of the server that sends it. */
export interface HttpReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

async function runRoute(
  runtime: Runtime,
  name: string,
  route: FunctionRoute,
  req: IncomingRequest,
  subpath: string,
  caller: string,
): Promise<HttpReply> {
  let body: unknown;
  try {
    body = req.body.length === 0 ? undefined : (JSON.parse(req.body.toString('utf8')) as unknown);
  } catch (error) {
    runtime.reject(name, `body is not valid JSON: ${(error as Error).message}`, { path: req.path, caller });
    return errorReply(new BadInputError(`body is not valid JSON: ${(error as Error).message}`));
  }
  try {
    const reply = await route.handle({
      method: req.method,
      subpath,
      query: new URL(req.path, 'http://local').searchParams,
      body,
      caller,
      config: runtime.config,
      state: runtime.state,
      now: () => runtime.now(),
      log: runtime.logger(name),
      continue: (key, payload) => runtime.continuation(name, key, payload),
    });
    // A route answers from state, which holds references only; scrub anyway, a reply is the last gate.
    return { ...reply, body: runtime.redactor.scrubValue(reply.body) };
  } catch (thrown) {
    const error = toOpsError(thrown);
    runtime.reject(name, `${req.method} ${req.path}: ${error.message}`, { caller });
    return errorReply(error);
  }
}

// Push subscriptions append the topic to the function URL (`/projects/P/topics/T`, WIRE.md §7) so the
// origin shows in request logs; that suffix addresses the function itself, not one of its routes.
const PUSH_TOPIC_PATH = /^projects\/[^/]+\/topics\/[^/]+$/;

/** The route below a function's own path: '' for the function itself, also for a Pub/Sub push topic suffix. */
export function subpathOf(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return PUSH_TOPIC_PATH.test(trimmed) ? '' : trimmed;
}

/** Reads a request body, refusing it with `TooLargeError` as soon as it passes `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new TooLargeError(`request body of ${declared} bytes is over the ${limit}-byte limit`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new TooLargeError(`request body is over the ${limit}-byte limit`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Lower-cases header names and joins repeated values, the shape intake expects. */
export function normalizeHeaders(headers: IncomingMessage['headers']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers))
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

/** The reply for an error raised before or outside a run; an unauthenticated caller gets no detail echoed. */
export function errorReply(error: OpsError): HttpReply {
  const body =
    error.kind === 'unauthorized'
      ? { error: 'unauthorized', message: 'missing or invalid credentials' }
      : { error: error.kind, message: error.message };
  return {
    status: error.status,
    body,
    ...(error.status === 429 || error.status === 503 ? { headers: { 'retry-after': '30' } } : {}),
  };
}

function statusOf(envelopes: ResultEnvelope[]): number {
  if (envelopes.length > 0 && envelopes.every((e) => e.accepted === true)) return 202;
  const errors = envelopes.map((e) => e.error);
  // A retryable failure anywhere asks the sender to redeliver; idempotency makes the finished ones no-ops.
  const retryable = errors.find((e) => e?.retryable);
  if (retryable) return retryable.status;
  if (errors.every((e) => e !== undefined)) return errors[0]?.status ?? 500;
  return 200;
}

function wantsDryRun(req: IncomingRequest): boolean {
  const header = req.headers['x-opsfn-dry-run'];
  const query = new URL(req.path, 'http://local').searchParams.get('dryRun');
  return header === 'true' || header === '1' || query === 'true' || query === '1';
}

/**
 * Handles one HTTP request for one function: authenticate → detect and parse the format → run
 * each trigger → one reply (the envelope, or `{ results }` for a batch). Every refusal is audited.
 */
export async function handleHttp(
  runtime: Runtime,
  name: string,
  req: IncomingRequest,
  subpath = '',
): Promise<HttpReply> {
  let definition: ReturnType<Runtime['find']>;
  try {
    definition = runtime.find(name);
  } catch (thrown) {
    return errorReply(toOpsError(thrown));
  }
  const route = definition.routes?.find((r) => r.method === req.method && r.subpath === subpath);
  if (!route && (req.method !== 'POST' || subpath !== '')) {
    const known = (definition.routes ?? []).map((r) => `${r.method} /${name}${r.subpath ? `/${r.subpath}` : ''}`);
    return {
      status: req.method === 'POST' || subpath !== '' ? 404 : 405,
      body: {
        error: 'route',
        message: `${req.method} /${name}${subpath ? `/${subpath}` : ''} is not served (POST /${name}${known.length ? `, ${known.join(', ')}` : ''})`,
      },
    };
  }
  let caller: string;
  try {
    caller = await authenticate(req.headers, runtime.config.auth, runtime.secret, runtime.verifyOidc);
  } catch (thrown) {
    const error = toOpsError(thrown);
    runtime.reject(name, `${error.kind}: ${error.message}`, { path: req.path, userAgent: req.headers['user-agent'] });
    return errorReply(error);
  }
  if (route) return runRoute(runtime, name, route, req, subpath, caller);
  let intake: ReturnType<typeof parseRequest>;
  try {
    intake = parseRequest(req, { newId: randomUUID, now: () => runtime.now() });
  } catch (thrown) {
    const error = toOpsError(thrown);
    runtime.reject(name, error.message, { path: req.path, bytes: req.body.length, caller });
    return errorReply(error);
  }
  const trace = traceFromHeaders(req.headers);
  const dryRun = wantsDryRun(req);
  const envelopes: ResultEnvelope[] = [];
  for (const trigger of intake.triggers) {
    const withCaller = trigger.kind === 'manual' ? { ...trigger, caller } : trigger;
    envelopes.push(
      await runtime.invoke(name, withCaller, { format: intake.format, dryRun, ...(trace ? { trace } : {}) }),
    );
  }
  const body = envelopes.length === 1 ? envelopes[0] : { results: envelopes };
  return { status: statusOf(envelopes), body };
}
