import { createSign, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authenticate, googleIdTokenVerifier } from '../../../shared/runtime/auth.js';
import type { SecretResolver } from '../../../shared/runtime/secrets.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KID = 'test-kid-1';
const AUDIENCE = 'https://us-central1-p1.cloudfunctions.net/opsfn-rollback';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function sign(claims: Record<string, unknown>, key = privateKey): string {
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'RS256', kid: KID, typ: 'JWT' })}.${b64({ iss: 'https://accounts.google.com', aud: AUDIENCE, sub: '1234', email: 'scheduler@p1.iam.gserviceaccount.com', email_verified: true, iat: now, exp: now + 600, ...claims })}`;
  return `${body}.${createSign('RSA-SHA256').update(body).sign(key).toString('base64url')}`;
}

const verify = googleIdTokenVerifier({
  certs: async () => ({ [KID]: publicKey.export({ type: 'spki', format: 'pem' }).toString() }),
});
const noSecrets: SecretResolver = async () => {
  throw new Error('no tokens configured');
};
const oidc = (emails?: string[]) => ({ tokens: [], oidc: { audience: AUDIENCE, ...(emails ? { emails } : {}) } });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('Google OIDC ID tokens', () => {
  it('accepts a token signed by the issuer for the configured audience', async () => {
    expect(
      await authenticate(bearer(sign({})), oidc(['scheduler@p1.iam.gserviceaccount.com']), noSecrets, verify),
    ).toBe('scheduler@p1.iam.gserviceaccount.com');
  });

  it.each([
    ['another audience', sign({ aud: 'https://evil.example/' })],
    [
      'an expired token',
      sign({ iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }),
    ],
    ['another issuer', sign({ iss: 'https://issuer.example' })],
    ['a signature by another key', sign({}, other.privateKey)],
  ])('refuses %s', async (_what, token) => {
    await expect(authenticate(bearer(token), oidc(), noSecrets, verify)).rejects.toMatchObject({
      kind: 'unauthorized',
    });
  });

  it('refuses a valid token whose email is not allowed', async () => {
    await expect(
      authenticate(bearer(sign({})), oidc(['someone@p1.iam.gserviceaccount.com']), noSecrets, verify),
    ).rejects.toMatchObject({ kind: 'unauthorized' });
  });
});
