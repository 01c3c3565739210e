import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Grant } from '../../core/config/index.js';
import type { StateStore } from '../../core/state/index.js';
import type { OidcIdentity } from '../runtime/index.js';

/** The cookie that carries a console session. */
export const SESSION_COOKIE = 'opsfn_session';
/** The cookie that ties the sign-in form's CSRF token to the browser that loaded it. */
export const SIGN_IN_COOKIE = 'opsfn_sign_in';
/** How long a session lasts after sign-in. */
export const SESSION_TTL_MS = 8 * 3_600_000;

/** A signed-in browser: who it is (as the API would name the caller) and its CSRF token. */
export interface Session {
  caller: string;
  /** The account behind `caller` when it has more than one name (an OIDC subject); absent, `caller` is it. */
  principal?: string;
  /**
   * What signed in, checked again on every request: `sha256:<hex>` of the token presented, or the verified Google
   * identity. A rotated or removed token, or an identity the config no longer admits, ends the session.
   */
  credential?: { token: string } | { oidc: OidcIdentity };
  /** The grants of a scoped caller; absent for callers that may call everything. */
  allow?: readonly Grant[];
  csrf: string;
  createdAt: string;
}

const newSecret = () => randomBytes(32).toString('base64url');
// The store is trusted, but a session id read from it (a dump, a replica) must not be usable as a cookie.
const sessionKey = (id: string) => `console:session:${createHash('sha256').update(id).digest('hex')}`;

/** Reads the cookies of a request; a malformed pair is skipped. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

/** Whether the browser reached opsfn over HTTPS through a proxy (`X-Forwarded-Proto: https`). */
const overHttps = (headers: Record<string, string | undefined>) =>
  headers['x-forwarded-proto']?.split(',')[0]?.trim().toLowerCase() === 'https';

/**
 * The name a cookie goes by: over HTTPS `__Host-` prefixed, which a browser takes only from this very host (Secure,
 * `Path=/`, no Domain), so a sibling subdomain cannot plant one it would send ahead of ours; a forged header only
 * makes the cookie stricter.
 */
const cookieName = (name: string, headers: Record<string, string | undefined>) =>
  overHttps(headers) ? `__Host-${name}` : name;

/** The value of one of the console's cookies in a request, under the name `cookie` gave it. */
export function readCookie(headers: Record<string, string | undefined>, name: string): string | undefined {
  return parseCookies(headers.cookie).get(cookieName(name, headers));
}

/**
 * A `Set-Cookie` value: HttpOnly, `SameSite=Strict`, whole site, `Secure` (and `__Host-` named) when the browser
 * reached opsfn over HTTPS through a proxy; `maxAgeMs` 0 deletes it.
 */
export function cookie(
  name: string,
  value: string,
  maxAgeMs: number,
  headers: Record<string, string | undefined>,
): string {
  const age = Math.max(0, Math.floor(maxAgeMs / 1000));
  const secure = overHttps(headers);
  return `${cookieName(name, headers)}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${age}${secure ? '; Secure' : ''}`;
}

/** How a session remembers the token it signed in with: a digest, never the token. */
export const tokenDigest = (token: string) => `sha256:${createHash('sha256').update(token).digest('hex')}`;

/** Compares two secrets in constant time for equal lengths. */
export function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Console sessions kept in the state store under a hash of their id, so every instance of a serve sees them. */
export class Sessions {
  constructor(
    private readonly state: StateStore,
    private readonly now: () => Date,
  ) {}

  /** Starts a session for `caller` (and its account, `principal`); returns the id for the cookie and the session. */
  async create(
    caller: string,
    options: { principal?: string; allow?: readonly Grant[]; credential?: Session['credential'] } = {},
  ): Promise<{ id: string; session: Session }> {
    const { principal, allow, credential } = options;
    const id = newSecret();
    const session: Session = {
      caller,
      ...(principal && principal !== caller ? { principal } : {}),
      ...(credential ? { credential } : {}),
      ...(allow ? { allow } : {}),
      csrf: newSecret(),
      createdAt: this.now().toISOString(),
    };
    await this.state.put(sessionKey(id), session, SESSION_TTL_MS);
    return { id, session };
  }

  /** The session a cookie names; undefined when it is unknown, expired or malformed. */
  async find(id: string | undefined): Promise<Session | undefined> {
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    return this.state.get<Session>(sessionKey(id));
  }

  /** Ends a session. */
  async destroy(id: string | undefined): Promise<void> {
    if (id && /^[A-Za-z0-9_-]{43}$/.test(id)) await this.state.delete(sessionKey(id));
  }

  /** A fresh random value for the sign-in form's CSRF cookie. */
  static signInToken(): string {
    return newSecret();
  }
}
