import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthConfig } from '../../../../shared/core/config/sections/auth.js';
import { authenticate } from '../../../../shared/host/runtime/auth.js';
import { googleIdTokenVerifier, looksLikeGoogleIdToken } from '../../../../shared/host/runtime/oidc.js';
import type { SecretResolver } from '../../../../shared/host/runtime/secrets.js';
import { signingKey, startCertsServer, unsignedIdToken } from '../../../support/id-tokens.js';

const AUDIENCE = 'https://us-central1-p1.cloudfunctions.net/opsfn-rollback';
const SCHEDULER = 'scheduler@p1.iam.gserviceaccount.com';
const key = signingKey();
const other = signingKey();
let certs: Awaited<ReturnType<typeof startCertsServer>>;
let uncached: Awaited<ReturnType<typeof startCertsServer>>;
beforeAll(async () => {
  certs = await startCertsServer([key]);
  uncached = await startCertsServer([key], 0);
});
afterAll(async () => {
  await certs.stop();
  await uncached.stop();
});

const noSecrets: SecretResolver = async () => {
  throw new Error('no tokens configured');
};
const oidc = (allow: Partial<NonNullable<AuthConfig['oidc']>>): AuthConfig => ({
  mode: 'app',
  tokens: [],
  oidc: { audience: AUDIENCE, ...allow },
});
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('Google OIDC ID tokens', () => {
  it('accepts a token signed by the issuer for the configured audience from an allowed email', async () => {
    const verify = googleIdTokenVerifier({ certsUrl: certs.url });
    const caller = await authenticate(bearer(key.sign(AUDIENCE)), oidc({ emails: [SCHEDULER] }), noSecrets, verify);
    expect(caller).toMatchObject({ id: SCHEDULER, principal: 'oidc:1234', scheduler: false });
    expect(caller.oidc).toMatchObject({ subject: '1234', email: SCHEDULER });
  });

  it('marks an identity listed under scheduler as one that may send scheduled triggers', async () => {
    const verify = googleIdTokenVerifier({ certsUrl: certs.url });
    const caller = await authenticate(bearer(key.sign(AUDIENCE)), oidc({ scheduler: [SCHEDULER] }), noSecrets, verify);
    expect(caller).toMatchObject({ id: SCHEDULER, principal: 'oidc:1234', scheduler: true });
  });

  it.each([
    ['a hosted domain', { domains: ['example.com'] }, { hd: 'example.com', email: 'ana@example.com' }],
    ['an email domain', { domains: ['p1.iam.gserviceaccount.com'] }, {}],
    ['a subject', { subjects: ['1234'] }, {}],
  ])('accepts a caller allowed by %s', async (_what, allow, claims) => {
    const verify = googleIdTokenVerifier({ certsUrl: certs.url });
    const caller = await authenticate(bearer(key.sign(AUDIENCE, claims)), oidc(allow), noSecrets, verify);
    expect(caller.scheduler).toBe(false);
    expect(caller.id).toMatch(/@/);
  });

  it.each([
    ['another audience', key.sign('https://evil.example/')],
    ['an expired token', key.sign(AUDIENCE, { iat: 1_700_000_000, exp: 1_700_000_600 })],
    ['another issuer', key.sign(AUDIENCE, { iss: 'https://issuer.example' })],
    ['a signature by another key', other.sign(AUDIENCE)],
    ['a valid token of an identity that is not allowed', key.sign(AUDIENCE, { email: 'someone@else.example' })],
    // A consumer Google account with a verified address in the organisation's domain, but no `hd`: not a member.
    ['an email in an allowed domain without the hosted-domain claim', key.sign(AUDIENCE, { email: 'ex@example.com' })],
    ['an unverified email', key.sign(AUDIENCE, { email_verified: false })],
  ])('refuses %s', async (_what, token) => {
    const verify = googleIdTokenVerifier({ certsUrl: certs.url });
    await expect(
      authenticate(
        bearer(token),
        oidc({ emails: [SCHEDULER], domains: ['p1.iam.gserviceaccount.com', 'example.com'] }),
        noSecrets,
        verify,
      ),
    ).rejects.toMatchObject({ kind: 'unauthorized' });
  });

  it('fetches the signing certificates once per process while their max-age lasts, even for a concurrent burst', async () => {
    const cached = await startCertsServer([key]);
    const verify = googleIdTokenVerifier({ certsUrl: cached.url });
    const auth = oidc({ emails: [SCHEDULER] });
    const callers = await Promise.all(
      Array.from({ length: 20 }, () => authenticate(bearer(key.sign(AUDIENCE)), auth, noSecrets, verify)),
    );
    await authenticate(bearer(key.sign(AUDIENCE)), auth, noSecrets, verify);
    expect(callers.every((c) => c.id === SCHEDULER)).toBe(true);
    expect(cached.fetches()).toBe(1);
    await cached.stop();
  });

  it('fetches again once the certificates are stale (max-age=0)', async () => {
    const verify = googleIdTokenVerifier({ certsUrl: uncached.url });
    const auth = oidc({ emails: [SCHEDULER] });
    for (let i = 0; i < 3; i++) await authenticate(bearer(key.sign(AUDIENCE)), auth, noSecrets, verify);
    expect(uncached.fetches()).toBe(3);
  });

  it('refuses a burst of junk bearer tokens without a single certificate fetch', async () => {
    const cold = await startCertsServer([key]);
    const verify = googleIdTokenVerifier({ certsUrl: cold.url });
    const junk = [
      'x',
      'a.b.c',
      'not-a-jwt-at-all',
      `${'A'.repeat(40)}.${'B'.repeat(40)}.${'C'.repeat(40)}`,
      unsignedIdToken({ sub: '1', iss: 'https://evil.example' }),
      unsignedIdToken({ sub: '1' }).split('.').slice(0, 2).join('.'),
    ];
    for (let i = 0; i < 200; i++) {
      const token = junk[i % junk.length] as string;
      await expect(authenticate(bearer(token), oidc({ emails: [SCHEDULER] }), noSecrets, verify)).rejects.toMatchObject(
        {
          kind: 'unauthorized',
        },
      );
    }
    expect(cold.fetches()).toBe(0);
    // Well-formed forgeries cost one fetch in all, on a cold cache; after that none.
    for (let i = 0; i < 100; i++) {
      await expect(
        authenticate(bearer(unsignedIdToken({ sub: `${i}` })), oidc({ emails: [SCHEDULER] }), noSecrets, verify),
      ).rejects.toMatchObject({ kind: 'unauthorized' });
    }
    expect(cold.fetches()).toBe(1);
    await cold.stop();
  });

  it('answers 503 when Google signing certificates cannot be fetched', async () => {
    const verify = googleIdTokenVerifier({ certsUrl: 'http://127.0.0.1:9/oauth2/v1/certs' });
    await expect(
      authenticate(bearer(key.sign(AUDIENCE)), oidc({ emails: [SCHEDULER] }), noSecrets, verify),
    ).rejects.toMatchObject({ kind: 'dependency', status: 503 });
  });

  it('tells a Google-shaped ID token from anything else', () => {
    expect(looksLikeGoogleIdToken(key.sign(AUDIENCE))).toBe(true);
    expect(looksLikeGoogleIdToken(unsignedIdToken({ iss: 'accounts.google.com' }))).toBe(true);
    expect(looksLikeGoogleIdToken('h.p.s')).toBe(false);
    expect(looksLikeGoogleIdToken(`${key.sign(AUDIENCE)}.extra`)).toBe(false);
  });
});
