import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { serve } from '../../../../shared/host/cli/serve-cmd.js';
import { stillAdmitted } from '../../../../shared/host/console/console-server.js';
import { trustedProxies } from '../../../../shared/host/console/index.js';
import { tokenDigest } from '../../../../shared/host/console/session.js';
import { createRuntime } from '../../../../shared/host/runtime/index.js';
import { functions } from '../../../support/catalogue.js';
import { captureIo } from '../../../support/cli-io.js';
import { serveDemo } from '../../../support/demo.js';
import { testEstate } from '../../../support/estate.js';
import { unsignedIdToken } from '../../../support/id-tokens.js';

type Demo = Awaited<ReturnType<typeof serveDemo>>;

describe('the console over HTTP', () => {
  let demo: Demo;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${demo.url}${path}`, { headers, redirect: 'manual' });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${demo.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      redirect: 'manual',
    });
  const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0] as string;

  async function signIn(token: string): Promise<{ cookie: string; csrf: string }> {
    const form = await get('/console/sign-in');
    const formCookie = cookieOf(form);
    const formCsrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1];
    const res = await post('/console/sign-in', { token, csrf: formCsrf }, { cookie: formCookie });
    expect(res.status).toBe(200);
    const cookie = cookieOf(res);
    const page = await (await get('/', { cookie })).text();
    return { cookie, csrf: /name="csrf" value="([^"]+)"/.exec(page)?.[1] as string };
  }

  beforeAll(async () => {
    demo = await serveDemo();
  });
  afterAll(() => demo.stop());

  it('sends a browser without a session to sign in', async () => {
    const res = await get('/');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/sign-in');
  });

  it('issues an HttpOnly SameSite=Strict session for a token the API accepts, and a CSP that forbids inline script', async () => {
    const form = await get('/console/sign-in');
    expect(form.headers.get('content-security-policy')).toContain("script-src 'self'");
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1];
    const res = await post('/console/sign-in', { token: demo.tokens.alice, csrf }, { cookie: cookieOf(form) });
    expect(res.headers.get('set-cookie')).toMatch(
      /^opsfn_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/,
    );
    expect(await res.json()).toEqual({ location: '/' });
  });

  it('marks the session cookie Secure when a proxy says the browser came over HTTPS', async () => {
    const form = await get('/console/sign-in', { 'x-forwarded-proto': 'https' });
    expect(form.headers.get('set-cookie')).toMatch(/; Secure$/);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1];
    const res = await post(
      '/console/sign-in',
      { token: demo.tokens.alice, csrf },
      { cookie: cookieOf(form), 'x-forwarded-proto': 'https' },
    );
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict; Max-Age=28800; Secure$/);
    // Over HTTPS the cookies go by __Host- names, which no sibling subdomain can set, and only those are read.
    expect(res.headers.get('set-cookie')).toMatch(/^__Host-opsfn_session=[\w-]+; Path=\/;/);
    const id = /^__Host-opsfn_session=([\w-]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    const https = { 'x-forwarded-proto': 'https' };
    expect((await get('/', { ...https, cookie: `__Host-opsfn_session=${id}` })).status).toBe(200);
    expect((await get('/', { ...https, cookie: `opsfn_session=${id}` })).status).toBe(303);
  });

  it('refuses a sign-in with a wrong token, or without the form cookie its CSRF token is bound to', async () => {
    const form = await get('/console/sign-in');
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1];
    expect((await post('/console/sign-in', { token: 'nope', csrf }, { cookie: cookieOf(form) })).status).toBe(401);
    expect((await post('/console/sign-in', { token: demo.tokens.alice, csrf })).status).toBe(403);
  });

  it('refuses what another site could make a browser send, before any session is read', async () => {
    const { cookie, csrf } = await signIn(demo.tokens.alice);
    const foreign = await post(
      '/console/run',
      { csrf, function: 'certExpiry', mode: 'dry-run' },
      { cookie, origin: 'http://evil.example' },
    );
    expect(foreign.status).toBe(403);
    const crossSite = await get('/', { cookie, 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    const form = await post('/console/sign-out', `csrf=${csrf}`, {
      cookie,
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    // fetch sets Host itself; a DNS-rebound page reaches the server under the attacker's name.
    const rebinding = await new Promise<number | undefined>((resolve, reject) => {
      request(`${demo.url}/`, { headers: { cookie, host: 'attacker.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
        .on('error', reject)
        .end();
    });
    expect(rebinding).toBe(421);
  });

  it('refuses a POST without the session CSRF token, and a real run without the same caller dry run first', async () => {
    const { cookie, csrf } = await signIn(demo.tokens.alice);
    expect((await post('/console/run', { function: 'certExpiry', mode: 'dry-run' }, { cookie })).status).toBe(403);
    const real = await post('/console/run', { csrf, function: 'certExpiry', mode: 'run' }, { cookie });
    expect(real.status).toBe(409);
    const dry = await post(
      '/console/run',
      { csrf, function: 'certExpiry', mode: 'dry-run', payload: '{}' },
      { cookie },
    );
    const { location } = (await dry.json()) as { location: string };
    const runId = location.split('/').at(-1) as string;
    const bob = await signIn(demo.tokens.bob);
    const stolen = await post('/console/run', { csrf: bob.csrf, mode: 'run', after: runId }, { cookie: bob.cookie });
    expect(stolen.status).toBe(409);
    const once = await post('/console/run', { csrf, mode: 'run', after: runId }, { cookie });
    expect(once.status).toBe(200);
    expect((await post('/console/run', { csrf, mode: 'run', after: runId }, { cookie })).status).toBe(409);
  });

  it("cancels a drill through drDrill's own route, as the signed-in caller", async () => {
    const { cookie, csrf } = await signIn(demo.tokens.bob);
    const now = new Date().toISOString();
    await demo.runtime.state.put('drill:0badc0de', {
      id: '0badc0de',
      plan: 'shop-failover',
      definition: { ...demo.runtime.config.drills['shop-failover'], approval: 'required' },
      status: 'awaiting-approval',
      startedAt: now,
      startedBy: 'token:alice',
      updatedAt: now,
      steps: [],
      resources: [],
      approval: { required: true, requestedAt: now },
      runs: [],
    });
    const res = await post('/console/drills/cancel', { csrf, id: '0badc0de' }, { cookie });
    expect(await res.json()).toEqual({ location: '/console/drills/0badc0de' });
    expect(await demo.runtime.state.get('drill:0badc0de:cancel')).toMatchObject({ by: 'token:bob' });
    const unknown = await post('/console/drills/cancel', { csrf, id: 'ffffffff' }, { cookie });
    expect(unknown.status).toBe(404);
  });

  it('answers a method it does not serve with 405 and the ones it does', async () => {
    const res = await fetch(`${demo.url}/`, { method: 'PUT', redirect: 'manual' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
  });

  it('ends the session a browser signs in again from', async () => {
    const first = await signIn(demo.tokens.alice);
    const form = await get('/console/sign-in', { cookie: first.cookie });
    const formCookie = cookieOf(form);
    const formCsrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1];
    const again = await post(
      '/console/sign-in',
      { token: demo.tokens.bob, csrf: formCsrf },
      { cookie: `${formCookie}; ${first.cookie}` },
    );
    expect(again.status).toBe(200);
    expect((await get('/', { cookie: first.cookie })).status).toBe(303);
    expect((await get('/', { cookie: cookieOf(again) })).status).toBe(200);
  });

  it('serves /metrics to an authenticated caller only', async () => {
    expect((await get('/metrics')).status).toBe(401);
    const res = await get('/metrics', { authorization: `Bearer ${demo.tokens.alice}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toMatch(/^opsfn_runs_total\{function="certExpiry",outcome="(ok|fail)"\} \d+$/m);
  });
});

describe('the console of a loopback serve without auth', () => {
  it('opens as the anonymous caller, with one session for every browser', async () => {
    const runtime = await createRuntime({ config: testEstate(), functions, logSink: () => {} });
    const serving = await serve(runtime, { port: 0, scheduler: false }, captureIo());
    try {
      const first = await fetch(`${serving.url}/`, { redirect: 'manual' });
      const second = await fetch(`${serving.url}/console/backups`, { redirect: 'manual' });
      expect(first.status).toBe(200);
      expect(await first.text()).toContain('anonymous');
      expect(second.headers.get('set-cookie')?.split(';')[0]).toBe(first.headers.get('set-cookie')?.split(';')[0]);
      expect((await runtime.state.keys('console:session:')).length).toBe(1);
    } finally {
      await serving.stop();
    }
  });
});

describe('a console session across a change of auth', () => {
  it('ends when the config in force no longer admits its caller: an open session after tokens are required', async () => {
    const state = new MemoryStateStore();
    const open = await createRuntime({ config: testEstate(), functions, state, logSink: () => {} });
    const before = await serve(open, { port: 0, scheduler: false }, captureIo());
    const first = await fetch(`${before.url}/`, { redirect: 'manual' });
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(first.status).toBe(200);
    // The same state store, now served with tokens: the anonymous session must not open pages any more.
    const guarded = await createRuntime({
      config: testEstate({ auth: { tokens: [{ name: 'alice', token: { env: 'ALICE' } }] } }),
      functions,
      state,
      env: { ALICE: 'alice-token-0c4f' },
      logSink: () => {},
    });
    const after = await serve(guarded, { port: 0, scheduler: false, host: '127.0.0.1' }, captureIo());
    try {
      const res = await fetch(`${after.url}/`, { headers: { cookie }, redirect: 'manual' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/console/sign-in');
    } finally {
      await after.stop();
      await before.stop();
    }
  });

  const secrets: Record<string, string> = { A: 'secret-a-1', B: 'secret-b-1', ROTATED: 'secret-a-2' };
  const secret = async (ref: { env?: string; secret?: string }) => {
    const value = ref.env ? secrets[ref.env] : undefined;
    if (value === undefined) throw new Error('unset');
    return value;
  };
  const app = (extra: Record<string, unknown>) => ({ mode: 'app' as const, tokens: [], ...extra });
  const ana = { oidc: { subject: '1001', email: 'ana@example.com' } };
  it.each([
    ['anonymous', undefined, undefined, true],
    ['anonymous', undefined, { mode: 'platform' as const, tokens: [] }, false],
    ['platform', undefined, { mode: 'platform' as const, tokens: [] }, true],
    [
      'token:alice',
      { token: tokenDigest('secret-a-1') },
      app({ tokens: [{ name: 'alice', token: { env: 'A' } }] }),
      true,
    ],
    // Rotated after a leak: the session made with the old secret ends.
    [
      'token:alice',
      { token: tokenDigest('secret-a-1') },
      app({ tokens: [{ name: 'alice', token: { env: 'ROTATED' } }] }),
      false,
    ],
    [
      'token:alice',
      { token: tokenDigest('secret-a-1') },
      app({ tokens: [{ name: 'bob', token: { env: 'A' } }] }),
      false,
    ],
    [
      'token:alice',
      { token: tokenDigest('secret-a-1') },
      app({ tokens: [{ name: 'alice', token: { env: 'UNSET' } }] }),
      false,
    ],
    ['token:0', { token: tokenDigest('secret-a-1') }, app({ tokens: [{ env: 'A' }] }), true],
    // Token A removed: B moved to index 0, and A's session must not carry on as B.
    ['token:0', { token: tokenDigest('secret-a-1') }, app({ tokens: [{ env: 'B' }] }), false],
    ['token:1', { token: tokenDigest('secret-a-1') }, app({ tokens: [{ env: 'A' }] }), false],
    ['ana@example.com', ana, app({ oidc: { audience: 'x', emails: ['ana@example.com'] } }), true],
    ['ana@example.com', ana, app({ oidc: { audience: 'x', emails: ['bo@example.com'] } }), false],
    ['ana@example.com', ana, app({ tokens: [{ env: 'A' }] }), false],
    // Made before sessions kept their credential: signed in again.
    ['ana@example.com', undefined, app({ oidc: { audience: 'x', emails: ['ana@example.com'] } }), false],
  ])('holds a session of %s (%j) under auth %j: %s', async (caller, credential, auth, admitted) => {
    const session = { caller, ...(credential ? { credential } : {}) };
    expect(await stillAdmitted(session as never, auth as never, secret as never)).toBe(admitted);
  });
});

describe('a console session of a Google account', () => {
  it('approves nothing the same account started, whether or not its token carried the email', async () => {
    const noEmail = unsignedIdToken({ sub: '1001' }, 'no-email');
    const other = unsignedIdToken({ sub: '2002' }, 'other');
    const runtime = await createRuntime({
      config: testEstate({
        auth: {
          tokens: [],
          oidc: { audience: 'https://opsfn.example', emails: ['ana@example.com'], subjects: ['1001', '2002'] },
        },
      }),
      functions,
      state: new MemoryStateStore(),
      logSink: () => {},
      verifyOidc: async (token) => {
        if (token === noEmail) return { subject: '1001' };
        if (token === other) return { subject: '2002' };
        throw new Error('bad signature');
      },
    });
    const served = await serve(runtime, { port: 0, scheduler: false, host: '127.0.0.1' }, captureIo());
    try {
      const now = new Date().toISOString();
      await runtime.state.put('drill:0badc0de', {
        id: '0badc0de',
        plan: 'quarterly',
        definition: { approval: 'required', steps: [] },
        status: 'awaiting-approval',
        startedAt: now,
        startedBy: 'ana@example.com',
        startedByPrincipal: 'oidc:1001',
        updatedAt: now,
        steps: [],
        resources: [],
        approval: { required: true, requestedAt: now },
        runs: [],
      });
      const approveAs = async (token: string) => {
        const form = await fetch(`${served.url}/console/sign-in`);
        const formCookie = (form.headers.get('set-cookie') ?? '').split(';')[0] as string;
        const formCsrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1];
        const post = (path: string, body: unknown, cookie: string) =>
          fetch(`${served.url}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', cookie },
            body: JSON.stringify(body),
            redirect: 'manual',
          });
        const signedIn = await post('/console/sign-in', { token, csrf: formCsrf }, formCookie);
        expect(signedIn.status).toBe(200);
        const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
        const page = await (await fetch(`${served.url}/`, { headers: { cookie } })).text();
        const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
        return post('/console/drills/approve', { csrf, id: '0badc0de' }, cookie);
      };
      const self = await approveAs(noEmail);
      expect(self.status).toBe(403);
      expect(await runtime.state.get('drill:0badc0de:approval')).toBeUndefined();
      expect((await approveAs(other)).status).toBe(200);
      expect(await runtime.state.get('drill:0badc0de:approval')).toMatchObject({ by: 'oidc:2002' });
    } finally {
      await served.stop();
    }
  });
});

describe('sign-in attempts', () => {
  /** One sign-in through the form, optionally as a proxy forwarding for `forwardedFor`. */
  const attemptOn = (url: string) => async (token: string, forwardedFor?: string) => {
    const form = await fetch(`${url}/console/sign-in`);
    const cookie = (form.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1];
    return fetch(`${url}/console/sign-in`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie,
        ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }),
      },
      body: JSON.stringify({ token, csrf }),
    });
  };

  it('refuses an address after five refused tokens, the right token too, and audits it', async () => {
    const demo = await serveDemo();
    try {
      const attempt = attemptOn(demo.url);
      // X-Forwarded-For from a peer that is not a trusted proxy is anyone's to write: a fresh one per guess changes nothing.
      for (let i = 0; i < 5; i++) expect((await attempt(`guess-${i}`, `203.0.113.${i}`)).status).toBe(401);
      const refused = await attempt(demo.tokens.alice);
      expect(refused.status).toBe(429);
      expect((await refused.json()).message).toMatch(/^too many failed sign-ins from this address; try again in \d+s$/);
      expect(demo.logs.some((l) => l.includes('"audit":true') && l.includes('5 failed sign-ins from 127.0.0.1'))).toBe(
        true,
      );
      expect(await demo.runtime.state.keys('console:session:')).toEqual([]);
    } finally {
      await demo.stop();
    }
  });

  it('behind a trusted proxy, counts each client X-Forwarded-For names, not the proxy', async () => {
    // The test's connections come from 127.0.0.1: here that is the ingress every browser comes through.
    const demo = await serveDemo({ trustedProxies: trustedProxies(['127.0.0.1']) });
    try {
      const attempt = attemptOn(demo.url);
      // A guesser appending forged hops still counts as the address the proxy saw (the rightmost).
      for (let i = 0; i < 5; i++) expect((await attempt(`guess-${i}`, `10.9.9.${i}, 203.0.113.5`)).status).toBe(401);
      expect((await attempt(demo.tokens.alice, '203.0.113.5')).status).toBe(429);
      expect(
        demo.logs.some((l) => l.includes('"audit":true') && l.includes('5 failed sign-ins from 203.0.113.5')),
      ).toBe(true);
      // Another browser behind the same proxy is not locked out by it.
      expect((await attempt(demo.tokens.alice, '198.51.100.7')).status).toBe(200);
    } finally {
      await demo.stop();
    }
  });
});
