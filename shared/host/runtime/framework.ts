import type { Request, Response } from '@google-cloud/functions-framework';
import { OpsError, TooLargeError, toOpsError } from '../../core/errors/index.js';
import type { WireFormat } from '../../core/events/index.js';
import { PLATFORM } from './auth.js';
import { hiddenFraming, installBodyGate } from './body-gate.js';
import { discardUnread } from './discard-body.js';
import { admit, handleHttp, type RequestHead, runIntake } from './http.js';
import { errorReply, type HttpReply, normalizeHeaders, readBodyUpTo, subpathOf } from './http-reply.js';
import { readiness, unusableConfig } from './readiness.js';
import type { AnyFunction, Runtime } from './runtime.js';

/** Builds (once per instance) the runtime a registered function serves with. */
export type RuntimeLoader = () => Promise<Runtime>;

/** Memoizes a runtime loader; a failed load is retried on the next request instead of being cached. */
export function memoizeRuntime(load: RuntimeLoader): RuntimeLoader {
  let pending: Promise<Runtime> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/** What the CloudEvent target takes: Eventarc's events and Pub/Sub pushes, nothing a person sends. */
const EVENT_FORMATS: readonly WireFormat[] = [
  'cloudevent-binary',
  'cloudevent-structured',
  'pubsub-push',
  'pubsub-unwrapped',
];

function send(req: Request, res: Response, reply: HttpReply): void {
  // A body nobody read (a refused request) is drained briefly and never buffered, then its connection closed.
  discardUnread(req, res);
  if (reply.headers) res.set(reply.headers);
  if (reply.status === 204) res.status(204).end();
  else res.status(reply.status).json(reply.body);
}

function headOf(req: Request): RequestHead {
  return { method: req.method, path: req.originalUrl ?? req.url, headers: normalizeHeaders(req.headers) };
}

// The gate hid the body from the framework's parsers; without it (a server it did not recognise) the
// framework has parsed the body already and only its size can still be checked.
function bodyOf(req: Request, limit: number): Promise<Buffer> {
  const framing = hiddenFraming(req);
  if (framing) return readBodyUpTo(req, limit, framing.contentLength);
  const raw = req.rawBody ?? Buffer.from(req.body === undefined ? '' : JSON.stringify(req.body));
  if (raw.length > limit)
    return Promise.reject(new TooLargeError(`request body of ${raw.length} bytes is over the ${limit}-byte limit`));
  return Promise.resolve(raw);
}

/**
 * Loads the runtime and refuses to serve a deployed function that no credential check guards:
 * the config must name `auth.tokens` / `auth.oidc`, or say `auth: { mode: platform }` when Cloud Run
 * IAM alone admits callers.
 */
async function deployedRuntime(name: string, loadRuntime: RuntimeLoader): Promise<Runtime | HttpReply> {
  let runtime: Runtime;
  try {
    runtime = await loadRuntime();
  } catch (thrown) {
    return errorReply(toOpsError(thrown));
  }
  if (runtime.config.auth) return runtime;
  const error = new OpsError(
    'internal',
    'refusing to serve without auth in the config: set auth.tokens or auth.oidc, or auth: { mode: platform } when Cloud Run IAM alone admits callers',
    { retryable: false },
  );
  runtime.reject(name, error.message);
  return errorReply(error);
}

/** The functions-framework HTTP handler of one function: webhooks, manual calls, Scheduler, Pub/Sub push, CloudEvents, routes. */
export function httpHandler(definition: AnyFunction, loadRuntime: RuntimeLoader) {
  installBodyGate();
  return async (req: Request, res: Response): Promise<void> => {
    const subpath = subpathOf(req.path ?? '');
    if (req.method === 'GET' && subpath === 'readyz') {
      // A config this handler refuses to serve (no auth) is as unusable as one that does not load.
      const loaded = await loadRuntime().catch(() => undefined);
      return send(req, res, loaded?.config.auth ? await readiness(loaded) : unusableConfig());
    }
    const runtime = await deployedRuntime(definition.name, loadRuntime);
    if (!('config' in runtime)) return send(req, res, runtime);
    send(req, res, await handleHttp(runtime, definition.name, headOf(req), (limit) => bodyOf(req, limit), subpath));
  };
}

/**
 * The handler of the `<name>Event` target that Eventarc delivers Pub/Sub messages to. Cloud Run IAM
 * admits the caller (Eventarc's service account), so its triggers may be scheduled. A retryable
 * failure answers its error status so the delivery is retried; an event that cannot be parsed is
 * refused (400) so it is retried towards the dead-letter topic instead of vanishing; anything else
 * is acknowledged (204), its result audited.
 */
export function eventHandler(definition: AnyFunction, loadRuntime: RuntimeLoader) {
  installBodyGate();
  return async (req: Request, res: Response): Promise<void> => {
    const runtime = await deployedRuntime(definition.name, loadRuntime);
    if (!('config' in runtime)) return send(req, res, runtime);
    const head = headOf(req);
    if (req.method !== 'POST') return send(req, res, { status: 405, body: { error: 'route', message: 'POST only' } });
    const admitted = await admit(runtime, definition.name, head, (limit) => bodyOf(req, limit), '', {
      caller: PLATFORM,
    });
    if (!('caller' in admitted)) return send(req, res, admitted);
    const envelopes = await runIntake(runtime, definition.name, head, admitted, EVENT_FORMATS);
    if (!Array.isArray(envelopes)) return send(req, res, envelopes);
    const retry = envelopes.find((e) => e.error?.retryable);
    send(req, res, retry ? { status: retry.error?.status ?? 500, body: retry } : { status: 204, body: undefined });
  };
}
