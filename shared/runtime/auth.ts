import { timingSafeEqual } from 'node:crypto';
import type { AuthConfig } from '../config/sections/estate-common.js';
import { DependencyError, UnauthorizedError } from '../errors/index.js';
import type { SecretResolver } from './secrets.js';

/** Verifies a Google-signed OIDC ID token; returns the caller's email or subject. */
export type OidcVerifier = (token: string, audience: string | string[]) => Promise<{ email?: string; subject: string }>;

/** Google's ID-token issuers. */
const GOOGLE_ISSUERS = ['accounts.google.com', 'https://accounts.google.com'];

/**
 * Builds a verifier of Google-signed OIDC ID tokens on `google-auth-library` (loaded on first use):
 * signature against Google's signing certificates, issuer, audience and expiry. `certs` replaces the
 * download of Google's certificates (tests sign with a local key).
 */
export function googleIdTokenVerifier(options: { certs?: () => Promise<Record<string, string>> } = {}): OidcVerifier {
  return async (token, audience) => {
    const { OAuth2Client } = await import('google-auth-library');
    const client = new OAuth2Client();
    const certs = options.certs ? await options.certs() : (await client.getFederatedSignonCertsAsync()).certs;
    const ticket = await client.verifySignedJwtWithCertsAsync(token, certs, audience, GOOGLE_ISSUERS);
    const payload = ticket.getPayload();
    if (!payload?.sub) throw new Error('token has no subject');
    return {
      subject: payload.sub,
      ...(payload.email && payload.email_verified !== false ? { email: payload.email } : {}),
    };
  };
}

/** The default verifier: Google's published signing certificates. */
export const verifyGoogleIdToken: OidcVerifier = googleIdTokenVerifier();

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

/**
 * Authenticates an HTTP request by its `Authorization: Bearer` header: a configured static token
 * (compared in constant time) or a Google OIDC ID token with the configured audience. Returns the
 * caller's identity; throws `UnauthorizedError` without echoing anything of the request.
 */
export async function authenticate(
  headers: Record<string, string | undefined>,
  auth: AuthConfig | undefined,
  secret: SecretResolver,
  verifyOidc: OidcVerifier = verifyGoogleIdToken,
): Promise<string> {
  if (!auth || (auth.tokens.length === 0 && !auth.oidc)) return 'anonymous';
  const header = headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match?.[1]) throw new UnauthorizedError();
  const presented = match[1];

  for (const [i, ref] of auth.tokens.entries()) {
    const expected = await secret(ref);
    if (constantTimeEquals(presented, expected)) return `token:${i}`;
  }
  if (auth.oidc && presented.split('.').length === 3) {
    let identity: { email?: string; subject: string };
    try {
      identity = await verifyOidc(presented, auth.oidc.audience);
    } catch (error) {
      if (error instanceof Error && /fetch|ENOTFOUND|ECONN|timeout/i.test(error.message)) {
        throw new DependencyError('could not fetch Google signing keys to verify the ID token', { cause: error });
      }
      throw new UnauthorizedError();
    }
    const allowed = auth.oidc.emails;
    if (allowed && !(identity.email && allowed.includes(identity.email))) throw new UnauthorizedError();
    return identity.email ?? `oidc:${identity.subject}`;
  }
  throw new UnauthorizedError();
}
