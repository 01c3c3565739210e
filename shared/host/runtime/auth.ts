import { timingSafeEqual } from 'node:crypto';
import type { AuthConfig, Grant, OidcConfig, SecretRef } from '../../core/config/index.js';
import { DependencyError, UnauthorizedError } from '../../core/errors/index.js';
import { looksLikeGoogleIdToken, type OidcIdentity, type OidcVerifier, verifyGoogleIdToken } from './oidc.js';
import type { SecretResolver } from './secrets.js';

/** Who sent a request, as opsfn established it. */
export interface Caller {
  /** `token:<name>` (or `token:<index>`), an OIDC email, `oidc:<subject>`, `platform` or `anonymous`. */
  id: string;
  /**
   * The account behind `id` where one account has more than one name: `oidc:<subject>` for a Google identity,
   * whose tokens carry its email only when asked for. Rules that hold two callers apart (a drill's approver is
   * not its starter) compare this; absent, `id` is the account. See `principalOf`.
   */
  principal?: string;
  /** The verified Google identity behind an OIDC caller, kept so a console session can be checked again later. */
  oidc?: OidcIdentity;
  /** May carry scheduled triggers (Scheduler jobs, Pub/Sub pushes, continuations). */
  scheduler: boolean;
  /** The routes a scoped token may call; absent means every route. */
  allow?: readonly Grant[];
}

/** The account a caller is, for rules that compare callers: its `principal`, else its `id`. */
export const principalOf = (caller: Caller): string => caller.principal ?? caller.id;

/** A caller nobody authenticated: `opsfn serve` on loopback without `auth`. */
export const ANONYMOUS: Caller = { id: 'anonymous', scheduler: false };

/** Whoever Cloud Run IAM let in (`auth.mode: platform`, and the Eventarc CloudEvent targets). */
export const PLATFORM: Caller = { id: 'platform', scheduler: true };

function constantTimeEquals(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // Compare equal-length buffers even on a length mismatch so timing does not leak the length.
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

const describeRef = (ref: SecretRef) => ('env' in ref ? `env ${ref.env}` : `secret ${ref.secret}`);

/**
 * Domains whose addresses only Google issues (service accounts): an email there proves the account. Any other
 * address's domain proves nothing about an organisation (a consumer Google account may carry a verified
 * `@example.com` address, an ex-employee's included); membership is the token's `hd` claim.
 */
const googleIssued = (domain: string | undefined) =>
  domain === 'gserviceaccount.com' || domain?.endsWith('.gserviceaccount.com') === true;

/** Whether `auth.oidc` admits a verified identity: its email, its Workspace domain (`hd`) or its subject listed. */
export function allowedByOidc(identity: OidcIdentity, oidc: OidcConfig): boolean {
  const email = identity.email?.toLowerCase();
  const domain = email?.split('@')[1];
  const has = (list: string[] | undefined, value: string | undefined) =>
    value !== undefined && (list ?? []).some((v) => v.toLowerCase() === value);
  return (
    has(oidc.emails, email) ||
    has(oidc.scheduler, email) ||
    has(oidc.domains, identity.hostedDomain?.toLowerCase()) ||
    (googleIssued(domain) && has(oidc.domains, domain)) ||
    (oidc.subjects ?? []).includes(identity.subject)
  );
}

async function matchToken(
  presented: string,
  tokens: AuthConfig['tokens'],
  secret: SecretResolver,
): Promise<{ caller?: Caller; unresolved: string[] }> {
  const unresolved: string[] = [];
  for (const [i, entry] of tokens.entries()) {
    const ref = 'name' in entry ? entry.token : entry;
    let expected: string;
    try {
      expected = await secret(ref);
    } catch {
      // One unset secret must not lock out callers whose own token resolves.
      unresolved.push(describeRef(ref));
      continue;
    }
    if (!constantTimeEquals(presented, expected)) continue;
    const caller: Caller =
      'name' in entry
        ? { id: `token:${entry.name}`, scheduler: false, ...(entry.allow ? { allow: entry.allow } : {}) }
        : { id: `token:${i}`, scheduler: false };
    return { caller, unresolved };
  }
  return { unresolved };
}

/**
 * Authenticates a request by its `Authorization: Bearer` header: a configured token (compared in
 * constant time) or a Google ID token from an allowed identity. Throws `UnauthorizedError` without
 * echoing anything of the request; when a configured secret cannot be read and nothing else
 * matched, a `DependencyError` whose details name the secret for the operator's logs only.
 */
export async function authenticate(
  headers: Record<string, string | undefined>,
  auth: AuthConfig | undefined,
  secret: SecretResolver,
  verifyOidc: OidcVerifier = verifyGoogleIdToken,
): Promise<Caller> {
  if (!auth) return ANONYMOUS;
  if (auth.mode === 'platform') return PLATFORM;
  const match = /^Bearer\s+(\S+)$/i.exec((headers.authorization ?? '').trim());
  const presented = match?.[1];
  if (!presented) throw new UnauthorizedError();

  const { caller, unresolved } = await matchToken(presented, auth.tokens, secret);
  if (caller) return caller;
  if (auth.oidc && looksLikeGoogleIdToken(presented)) {
    let identity: OidcIdentity;
    try {
      identity = await verifyOidc(presented, auth.oidc.audience);
    } catch (error) {
      if (error instanceof DependencyError) throw error;
      throw new UnauthorizedError();
    }
    if (!allowedByOidc(identity, auth.oidc)) throw new UnauthorizedError();
    const email = identity.email?.toLowerCase();
    const scheduler = email !== undefined && (auth.oidc.scheduler ?? []).some((s) => s.toLowerCase() === email);
    return {
      id: identity.email ?? `oidc:${identity.subject}`,
      principal: `oidc:${identity.subject}`,
      oidc: identity,
      scheduler,
    };
  }
  if (unresolved.length > 0) {
    throw new DependencyError('the server cannot check credentials: a configured secret is unavailable', {
      details: { unresolved },
    });
  }
  throw new UnauthorizedError();
}
