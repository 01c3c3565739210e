import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Estate } from '../../core/config/index.js';
import { toOpsError } from '../../core/errors/index.js';
import {
  ANONYMOUS,
  allowedByOidc,
  callerMay,
  discardUnread,
  guardRequest,
  type HostMount,
  normalizeHeaders,
  PLATFORM,
  type Runtime,
  type SecretResolver,
} from '../runtime/index.js';
import { APP_JS, STYLE_CSS } from './assets.js';
import type { TrustedProxies } from './client-address.js';
import { type ConsoleReply, handleAction } from './console-actions.js';
import { renderPage } from './console-pages.js';
import { html } from './html.js';
import { bare, type ScheduledJob } from './page.js';
import {
  cookie,
  readCookie,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  type Session,
  Sessions,
  sameSecret,
  tokenDigest,
} from './session.js';
import { SignInThrottle } from './sign-in-throttle.js';

/** Options of {@link createConsole}. */
export interface ConsoleOptions {
  /** The server listens on loopback only: the request guard answers only to a loopback `Host`. */
  loopback: boolean;
  /** The `Host` names the server answers to; others are refused. */
  hosts?: readonly string[];
  /** The embedded scheduler's jobs with their next run, for the overview. */
  jobs?: () => readonly ScheduledJob[];
  /**
   * The proxies in front (`opsfn serve --trusted-proxy`): sign-in refusals are counted per client as their
   * `X-Forwarded-For` names it, not per proxy, which would make every browser one client.
   */
  trustedProxies?: TrustedProxies;
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const TYPES = {
  html: 'text/html; charset=utf-8',
  json: 'application/json',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

function send(res: ServerResponse, reply: ConsoleReply): void {
  res.writeHead(reply.status, { 'content-type': TYPES[reply.type], ...SECURITY_HEADERS, ...reply.headers });
  res.end(reply.body);
}

const ASSETS: Record<string, Pick<ConsoleReply, 'type' | 'body'>> = {
  '/console/app.js': { type: 'js', body: APP_JS },
  '/console/style.css': { type: 'css', body: STYLE_CSS },
};

const isConsolePath = (path: string) => path === '/' || path === '/console' || path.startsWith('/console/');

/**
 * The operator console on `GET /` and `/console/*`: server-rendered pages behind the API's own
 * admission. Every request passes the request guard first (loopback `Host`, same `Origin`, no
 * cross-site fetch, JSON-only POSTs), then a session: a cookie (`HttpOnly`, `SameSite=Strict`)
 * that sign-in issues to a caller the API would authenticate, and whose CSRF token every POST carries.
 */
/**
 * Whether the config in force still admits a session's caller, by the credential that signed in: `anonymous` only
 * without `auth`, `platform` only in platform mode, `token:<name>` or `token:<index>` only while that unscoped
 * token is configured AND its secret is still the one presented (a rotated secret, or another token now at that
 * index, ends it), and an OIDC identity only while `auth.oidc` admits it by its lists. A session that kept no
 * credential (made before they were kept) ends: its caller signs in again.
 */
export async function stillAdmitted(
  session: Pick<Session, 'caller' | 'credential'>,
  auth: Estate['auth'],
  secret: SecretResolver,
): Promise<boolean> {
  const { caller, credential } = session;
  if (caller === ANONYMOUS.id) return auth === undefined;
  if (caller === PLATFORM.id) return auth?.mode === 'platform';
  if (auth === undefined || auth.mode === 'platform' || credential === undefined) return false;
  if ('oidc' in credential) return auth.oidc !== undefined && allowedByOidc(credential.oidc, auth.oidc);
  const token = /^token:(.+)$/.exec(caller)?.[1];
  const entry = auth.tokens.find((e, i) =>
    'name' in e ? e.name === token && e.allow === undefined : String(i) === token,
  );
  if (!entry) return false;
  try {
    return sameSecret(tokenDigest(await secret('name' in entry ? entry.token : entry)), credential.token);
  } catch {
    // The secret cannot be read now: nothing shows the session's token is still the configured one.
    return false;
  }
}

export function createConsole(runtime: Runtime, options: ConsoleOptions): HostMount {
  const sessions = new Sessions(runtime.state, () => runtime.now());
  const throttle = new SignInThrottle(() => runtime.now().getTime());
  const auth = runtime.config.auth;
  // No credentials to check (loopback without auth, or Cloud Run IAM in front): the browser gets the API's caller.
  const open = auth === undefined || auth.mode === 'platform';
  const jobs = options.jobs ?? (() => []);

  // Without credentials to check, every browser is the same caller: one session for the process keeps
  // the store from growing by one record per cookieless request.
  let shared: { id: string; session: Session } | undefined;
  const sessionOf = async (headers: Record<string, string | undefined>) => {
    const id = readCookie(headers, SESSION_COOKIE);
    let session = await sessions.find(id);
    // A session outlives a restart on the same state store: it holds only while the config still admits its
    // caller (a token removed from auth.tokens, a switch from open to credentials, ends it).
    if (session && !(await stillAdmitted(session, auth, runtime.secret))) {
      await sessions.destroy(id).catch(() => undefined);
      session = undefined;
    }
    if (session || !open) return { id, session, setCookie: undefined };
    if (!shared || !(await sessions.find(shared.id))) {
      shared = await sessions.create((auth === undefined ? ANONYMOUS : PLATFORM).id);
    }
    return { ...shared, setCookie: cookie(SESSION_COOKIE, shared.id, SESSION_TTL_MS, headers) };
  };

  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (!isConsolePath(url.pathname)) return false;
    const method = req.method ?? 'GET';
    const headers = normalizeHeaders(req.headers);
    const refusal = guardRequest(method, headers, { loopback: options.loopback, hosts: options.hosts });
    if (refusal) {
      runtime.reject('console', `refused: ${refusal.message}`, { method, path: url.pathname, origin: headers.origin });
      discardUnread(req, res);
      send(res, { status: refusal.status, type: 'html', body: bare('Refused', html`<p>${refusal.message}</p>`) });
      return true;
    }
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
      discardUnread(req, res);
      res.writeHead(405, {
        allow: 'GET, HEAD, POST',
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(`${method} is not served by the console\n`);
      return true;
    }
    const asset = method === 'GET' || method === 'HEAD' ? ASSETS[url.pathname] : undefined;
    if (asset) {
      send(res, { status: 200, ...asset });
      return true;
    }
    let reply: ConsoleReply;
    try {
      const { id, session, setCookie } = await sessionOf(headers);
      const caller = session
        ? { id: session.caller, scheduler: false, ...(session.allow ? { allow: session.allow } : {}) }
        : undefined;
      const context = {
        runtime,
        sessions,
        throttle,
        ...(options.trustedProxies ? { proxies: options.trustedProxies } : {}),
        open,
        sessionId: id,
        session: session as Session | undefined,
        may: (fn: string, subpath = '') =>
          caller !== undefined && callerMay(caller, { function: fn, method: 'POST', subpath }),
      };
      reply =
        method === 'POST'
          ? await handleAction(context, req, url, headers)
          : await renderPage({ ...context, jobs }, url, headers);
      if (setCookie) reply.headers = { ...reply.headers, 'set-cookie': setCookie };
    } catch (thrown) {
      const error = toOpsError(thrown);
      const message = runtime.redactor.scrub(error.message);
      runtime.logger('console').warn('console request failed', { path: url.pathname, error: message });
      reply =
        method === 'POST'
          ? { status: error.status, type: 'json', body: JSON.stringify({ error: error.kind, message }) }
          : {
              status: error.status,
              type: 'html',
              body: bare('Something went wrong', html`<p>${message}</p><p><a href="/">back to the overview</a></p>`),
            };
    }
    discardUnread(req, res);
    send(res, reply);
    return true;
  };
}
