import { createSign, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A Google-shaped ID token (RS256 header with a key id, Google issuer) with a made-up signature `sig`. */
export function unsignedIdToken(claims: Record<string, unknown>, sig = 'signature'): string {
  return `${b64({ alg: 'RS256', kid: 'k', typ: 'JWT' })}.${b64({ iss: 'https://accounts.google.com', ...claims })}.${Buffer.from(sig).toString('base64url')}`;
}

/** A signing key standing in for Google's, with the key id its certificate is published under. */
export function signingKey(kid = 'test-kid-1') {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    kid,
    /** The PEM Google's certs endpoint would list under `kid`. */
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    /** Signs an ID token for `aud`, valid for 10 minutes, with any claims overridden. */
    sign(aud: string, claims: Record<string, unknown> = {}): string {
      const now = Math.floor(Date.now() / 1000);
      const body = `${b64({ alg: 'RS256', kid, typ: 'JWT' })}.${b64({
        iss: 'https://accounts.google.com',
        aud,
        sub: '1234',
        email: 'scheduler@p1.iam.gserviceaccount.com',
        email_verified: true,
        iat: now,
        exp: now + 600,
        ...claims,
      })}`;
      return `${body}.${createSign('RSA-SHA256').update(body).sign(privateKey).toString('base64url')}`;
    },
  };
}

/**
 * Serves `{ kid: pem }` the way https://www.googleapis.com/oauth2/v1/certs does, with
 * `Cache-Control: public, max-age=<maxAge>`, counting the fetches.
 */
export async function startCertsServer(keys: { kid: string; pem: string }[], maxAge = 3600) {
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches++;
    const body = JSON.stringify(Object.fromEntries(keys.map((k) => [k.kid, k.pem])));
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': `public, max-age=${maxAge}` });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/v1/certs`,
    fetches: () => fetches,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
