import type { OAuth2Client } from 'google-auth-library';
import { DependencyError } from '../../core/errors/index.js';

/** Who a verified Google ID token names. */
export interface OidcIdentity {
  subject: string;
  /** Present only when Google marks it verified. */
  email?: string;
  /** The Google Workspace domain (`hd` claim) of the account, if any. */
  hostedDomain?: string;
}

/** Verifies a Google-signed OIDC ID token for one of `audience`; throws on anything invalid. */
export type OidcVerifier = (token: string, audience: string | string[]) => Promise<OidcIdentity>;

/** Google's ID-token issuers. */
const GOOGLE_ISSUERS = ['accounts.google.com', 'https://accounts.google.com'];
const SEGMENT = /^[A-Za-z0-9_-]+$/;

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a bearer value has the shape of a Google ID token: three base64url segments, an RS256
 * header with a key id, and a Google issuer. Anything else is refused without fetching keys.
 */
export function looksLikeGoogleIdToken(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 8192 || !parts.every((p) => SEGMENT.test(p))) return false;
  const [header, payload] = parts.map(decodeSegment);
  return (
    header?.alg === 'RS256' &&
    typeof header.kid === 'string' &&
    typeof payload?.iss === 'string' &&
    GOOGLE_ISSUERS.includes(payload.iss)
  );
}

/** Options of {@link googleIdTokenVerifier}. */
export interface GoogleVerifierOptions {
  /** Where Google's PEM signing certificates are read; tests serve their own. */
  certsUrl?: string;
}

/**
 * Builds a verifier of Google-signed ID tokens around one `OAuth2Client` (google-auth-library,
 * loaded on first use). The client keeps the signing certificates for as long as their
 * `Cache-Control: max-age` allows (`getFederatedSignonCertsAsync`), so verifying a token costs a
 * fetch only when the cache is cold or stale, and concurrent cold misses share one fetch.
 */
export function googleIdTokenVerifier(options: GoogleVerifierOptions = {}): OidcVerifier {
  let client: Promise<OAuth2Client> | undefined;
  let inflight: Promise<Record<string, string>> | undefined;

  const certs = async (): Promise<Record<string, string>> => {
    client ??= import('google-auth-library').then(
      ({ OAuth2Client }) =>
        new OAuth2Client(options.certsUrl ? { endpoints: { oauth2FederatedSignonPemCertsUrl: options.certsUrl } } : {}),
    );
    const oauth = await client;
    inflight ??= oauth
      .getFederatedSignonCertsAsync()
      .then((r) => r.certs as Record<string, string>)
      .finally(() => {
        inflight = undefined;
      });
    try {
      return await inflight;
    } catch (error) {
      throw new DependencyError('could not fetch Google signing keys to verify the ID token', { cause: error });
    }
  };

  return async (token, audience) => {
    const keys = await certs();
    const oauth = await (client as Promise<OAuth2Client>);
    const ticket = await oauth.verifySignedJwtWithCertsAsync(token, keys, audience, GOOGLE_ISSUERS);
    const payload = ticket.getPayload();
    if (!payload?.sub) throw new Error('token has no subject');
    return {
      subject: payload.sub,
      ...(payload.email && payload.email_verified === true ? { email: payload.email } : {}),
      ...(payload.hd ? { hostedDomain: payload.hd } : {}),
    };
  };
}

/** The process-wide verifier: one client and one certificate cache for every request. */
export const verifyGoogleIdToken: OidcVerifier = googleIdTokenVerifier();
