import { NotFoundError } from '../../core/errors/index.js';
import { type Runtime, routeRequest } from '../runtime/index.js';

/** What a function's extra route answered, scrubbed of secrets. */
export interface RouteAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Calls an extra route of a function (`GET /drDrill`, `POST /drDrill/approve`) on behalf of the
 * signed-in caller, exactly as the API would after admitting the same caller: the route's own rules
 * (the two-person rule of an approval) hold for the console too.
 */
export async function callFunctionRoute(
  runtime: Runtime,
  name: string,
  call: {
    method: 'GET' | 'POST';
    subpath: string;
    caller: string;
    principal?: string;
    query?: URLSearchParams;
    body?: unknown;
  },
): Promise<RouteAnswer> {
  const route = runtime.find(name).routes?.find((r) => r.method === call.method && r.subpath === call.subpath);
  if (!route) throw new NotFoundError(`${call.method} /${name}/${call.subpath} is not served`);
  const reply = await route.handle(
    routeRequest(runtime, name, {
      method: call.method,
      subpath: call.subpath,
      query: call.query ?? new URLSearchParams(),
      body: call.body,
      caller: call.caller,
      ...(call.principal ? { principal: call.principal } : {}),
    }),
  );
  const body = runtime.redactor.scrubValue(reply.body);
  return {
    status: reply.status,
    body: typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {},
  };
}
