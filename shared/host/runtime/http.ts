import { randomUUID } from 'node:crypto';
import { traceFromHeaders } from '../../core/audit/index.js';
import { BadInputError, ForbiddenError, toOpsError } from '../../core/errors/index.js';
import type { Trigger, WireFormat } from '../../core/events/index.js';
import { parseRequest, readBody } from '../../core/events/index.js';
import type { FunctionRoute, ResultEnvelope, RouteRequest } from '../../core/run/index.js';
import {
  type Admitted,
  admit,
  admitTo,
  type BodyReader,
  type HttpOptions,
  type RequestHead,
  refuse,
} from './admission.js';
import { principalOf } from './auth.js';
import { continuationKey } from './continuation.js';
import { triggerKindsFor } from './grants.js';
import type { HttpReply } from './http-reply.js';
import { statusOf } from './http-reply.js';
import type { Runtime } from './runtime.js';
import { admitTrigger } from './trigger-trust.js';

export { type Admitted, admit, type BodyReader, type HttpOptions, type RequestHead } from './admission.js';

/**
 * Handles a request for routes that belong to no function (the kill switch's `/control` on `opsfn serve`):
 * admitted exactly like a function's extra routes (guard, credentials, allow list, bounded body), no intake.
 */
export async function handleRoutes(
  runtime: Runtime,
  name: string,
  routes: readonly FunctionRoute[],
  head: RequestHead,
  bodyReader: BodyReader,
  subpath = '',
  options: HttpOptions = {},
): Promise<HttpReply> {
  const admitted = await admitTo(runtime, { name, routes, intake: false }, head, bodyReader, subpath, options);
  if (!('caller' in admitted)) return admitted;
  const { route } = admitted;
  if (!route) return { status: 404, body: { error: 'route', message: `${head.method} /${name} is not served` } };
  return runRoute(runtime, name, head, subpath, { ...admitted, route });
}

/** What an extra route of function `name` gets for one admitted call: the request and the runtime's services. */
export function routeRequest(
  runtime: Runtime,
  name: string,
  call: Pick<RouteRequest, 'method' | 'subpath' | 'query' | 'body' | 'caller' | 'principal'>,
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
        principal: principalOf(caller),
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
  // An alert of a batch refused on its own is audited; the batch's other alerts run (its sender never resends).
  for (const why of intake.rejected ?? []) {
    runtime.reject(name, `refused one alert of the batch: ${why}`, { caller: caller.id, format: intake.format });
  }
  const trace = traceFromHeaders(head.headers);
  const dryRun = wantsDryRun(head);
  const log = runtime.logger(name);
  const envelopes: ResultEnvelope[] = [];
  // A manual request without an Idempotency-Key has a fresh id: its caller, answered 503 by a shutdown, retries
  // under another, so a redelivery at the next start would run it a second time.
  const keyed = head.headers['idempotency-key'] !== undefined;
  const admitted = intake.triggers.map((trigger) => admitTrigger(name, trigger, caller, log));
  // A grant that names trigger kinds holds the whole request to them, before anything runs.
  const kinds = triggerKindsFor(caller, { function: name, method: head.method, subpath: '' });
  const foreign = kinds && admitted.find((trigger) => !kinds.has(trigger.kind));
  if (kinds && foreign) {
    const may = [...kinds].join(', ');
    return refuse(
      runtime,
      name,
      head,
      new ForbiddenError(
        `${caller.id} may send ${may} triggers to ${name}, not a ${foreign.kind} one (${intake.format})`,
      ),
      { caller: caller.id },
    );
  }
  for (const [i, trigger] of intake.triggers.entries()) {
    const redeliver = trigger.kind !== 'manual' || keyed;
    envelopes.push(
      await runtime.invoke(name, admitted[i] as Trigger, {
        format: intake.format,
        dryRun,
        redeliver,
        ...(trace ? { trace } : {}),
      }),
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
