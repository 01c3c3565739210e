import type { IncomingMessage } from 'node:http';
import { BadInputError, ForbiddenError, RateLimitedError, UnauthorizedError } from '../../core/errors/index.js';
import { readBody } from '../../core/events/index.js';
import { authenticate, principalOf, type Runtime, readBodyUpTo } from '../runtime/index.js';
import { clientAddress, type TrustedProxies } from './client-address.js';
import { callFunctionRoute } from './function-routes.js';
import { runNow } from './pages/run.js';
import {
  cookie,
  readCookie,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  type Session,
  type Sessions,
  SIGN_IN_COOKIE,
  sameSecret,
  tokenDigest,
} from './session.js';
import { SIGN_IN_FAILURES, SIGN_IN_WINDOW_MS, type SignInThrottle } from './sign-in-throttle.js';

/** What the console sends back: a page, a fragment, or a JSON answer to a form. */
export interface ConsoleReply {
  status: number;
  type: 'html' | 'json' | 'js' | 'css';
  body: string;
  headers?: Record<string, string>;
}

/** What a POST is handled with. */
export interface ActionRequest {
  runtime: Runtime;
  sessions: Sessions;
  sessionId: string | undefined;
  session: Session | undefined;
  /** Whether the signed-in caller may call a route of a function (a scoped token's grants). */
  may: (fn: string, subpath?: string) => boolean;
  /** Counts refused sign-ins per client address. */
  throttle: SignInThrottle;
  /** The proxies whose `X-Forwarded-For` names the client (`clientAddress`). */
  proxies?: TrustedProxies;
  /** No credentials to check (no `auth`, or `auth.mode: platform`): one shared session, no sign-in. */
  open?: boolean;
}

/** The largest sign-in form read: a token (an OIDC ID token runs to about 1–2 KiB) and the form's CSRF value. */
const SIGN_IN_BODY_BYTES = 16 * 1024;

const json = (status: number, body: unknown, headers?: Record<string, string>): ConsoleReply => ({
  status,
  type: 'json',
  body: JSON.stringify(body),
  ...(headers ? { headers } : {}),
});

const text = (body: Record<string, unknown>, field: string): string | undefined =>
  typeof body[field] === 'string' ? (body[field] as string) : undefined;

async function signIn(
  request: ActionRequest,
  body: Record<string, unknown>,
  headers: Record<string, string | undefined>,
  address: string,
) {
  const { runtime, throttle } = request;
  const wait = throttle.waitFor(address);
  if (wait > 0) {
    runtime.reject(
      'console',
      `sign-in refused: ${SIGN_IN_FAILURES} failed sign-ins from ${address} within ${SIGN_IN_WINDOW_MS / 60_000} minutes`,
      {
        path: '/console/sign-in',
        address,
      },
    );
    throw new RateLimitedError(`too many failed sign-ins from this address; try again in ${Math.ceil(wait / 1000)}s`);
  }
  if (!sameSecret(text(body, 'csrf'), readCookie(headers, SIGN_IN_COOKIE))) {
    throw new ForbiddenError('the sign-in form expired; load it again');
  }
  const token = text(body, 'token')?.trim();
  if (!token) throw new BadInputError('token: expected the credential to sign in with');
  let caller: Awaited<ReturnType<typeof authenticate>>;
  try {
    caller = await authenticate(
      { authorization: `Bearer ${token}` },
      runtime.config.auth,
      runtime.secret,
      runtime.verifyOidc,
    );
  } catch (error) {
    if (error instanceof UnauthorizedError) throttle.failed(address);
    runtime.reject('console', 'sign-in refused: credentials not accepted', { path: '/console/sign-in', address });
    throw error instanceof UnauthorizedError ? new UnauthorizedError('that token is not accepted here') : error;
  }
  if (caller.allow) {
    runtime.reject('console', `sign-in refused: ${caller.id} is a scoped token`, { caller: caller.id });
    throw new ForbiddenError(`${caller.id} is a scoped token for a machine; sign in with an operator's token`);
  }
  throttle.succeeded(address);
  // A browser signing in again ends the session it came with, rather than leaving it to live out its 8 hours.
  await request.sessions.destroy(readCookie(headers, SESSION_COOKIE)).catch(() => undefined);
  const credential = caller.oidc ? { oidc: caller.oidc } : { token: tokenDigest(token) };
  const { id } = await request.sessions.create(caller.id, { principal: principalOf(caller), credential });
  runtime
    .logger('console')
    .audit({ decision: 'decided', action: 'sign-in', target: caller.id, reason: 'console session started' });
  return json(200, { location: '/' }, { 'set-cookie': cookie(SESSION_COOKIE, id, SESSION_TTL_MS, headers) });
}

/**
 * Handles a console POST, every one of which the request guard already held to JSON and the same
 * origin: sign-in (CSRF bound to the form's cookie), then, for a session, sign-out, run-now and a
 * drill's approve or cancel, each carrying the session's CSRF token.
 */
export async function handleAction(
  request: ActionRequest,
  req: IncomingMessage,
  url: URL,
  headers: Record<string, string | undefined>,
): Promise<ConsoleReply> {
  const { runtime, session } = request;
  const signingIn = url.pathname === '/console/sign-in';
  // Open (no credentials to check), every browser shares the one session: nobody signs in to another, and nobody
  // signs everyone out.
  if (request.open && (signingIn || url.pathname === '/console/sign-out'))
    throw new ForbiddenError(
      'this console has no sign-in: without credentials to check, every browser is the same caller',
    );
  // Refused before the body is read: nobody without a session makes this process hold a body, and a sign-in
  // form is a token and a CSRF value, never more than a few KiB.
  // The session must come with the request's own cookie: without credentials to check every browser shares
  // one, and a POST without its cookie could never carry its CSRF token anyway.
  const carried = readCookie(headers, SESSION_COOKIE);
  if (!signingIn && (!session || carried !== request.sessionId)) {
    throw new UnauthorizedError('sign in first (or reload the page: this form carries no session)');
  }
  const parsed: unknown = readBody(
    await readBodyUpTo(req, signingIn ? SIGN_IN_BODY_BYTES : runtime.config.limits.body),
  );
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new BadInputError('expected a JSON object');
  const body = parsed as Record<string, unknown>;
  if (signingIn) {
    const address = clientAddress(req.socket.remoteAddress, headers['x-forwarded-for'], request.proxies);
    return signIn(request, body, headers, address);
  }
  if (!session) throw new UnauthorizedError('sign in first');
  if (!sameSecret(text(body, 'csrf'), session.csrf)) {
    runtime.reject('console', `refused: ${url.pathname} without the session's CSRF token`, { caller: session.caller });
    throw new ForbiddenError('the form is stale or foreign (CSRF token does not match); reload the page');
  }
  switch (url.pathname) {
    case '/console/sign-out':
      await request.sessions.destroy(request.sessionId);
      return json(200, { location: '/console/sign-in' }, { 'set-cookie': cookie(SESSION_COOKIE, '', 0, headers) });
    case '/console/run': {
      const mode = text(body, 'mode') === 'run' ? 'run' : 'dry-run';
      const after = text(body, 'after');
      const payload = text(body, 'payload');
      const location = await runNow(
        { runtime, caller: session.caller, principal: session.principal ?? session.caller, may: request.may },
        {
          function: text(body, 'function') ?? '',
          mode,
          ...(after ? { after } : {}),
          ...(payload !== undefined ? { payload } : {}),
        },
      );
      return json(200, { location });
    }
    case '/console/drills/approve':
    case '/console/drills/cancel': {
      const subpath = url.pathname.endsWith('approve') ? 'approve' : 'cancel';
      if (!request.may('drDrill', subpath))
        throw new ForbiddenError(`${session.caller} may not call POST /drDrill/${subpath}`);
      const answer = await callFunctionRoute(runtime, 'drDrill', {
        method: 'POST',
        subpath,
        caller: session.caller,
        principal: session.principal ?? session.caller,
        body: { id: body.id },
      });
      if (answer.status >= 400) return json(answer.status, answer.body);
      return json(200, { location: `/console/drills/${String(body.id)}` });
    }
    default:
      return json(404, { error: 'notFound', message: `no console action ${url.pathname}` });
  }
}
