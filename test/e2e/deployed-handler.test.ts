import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeKubernetes } from '../fakes/kubernetes.js';
import { type FrameworkProcess, rawRequest, startFrameworkProcess } from '../support/framework-process.js';
import { waitFor } from './pubsub-wiring.js';

// The deployed entry (functions/index.ts under functions-framework's own main.js, as the buildpack
// starts it) against a Kubernetes fake: every refused request must leave the Deployment untouched.
const TOKEN = 'deployed-e2e-token-7f3a9c';
const SCALE = /\/deployments\/backend\/scale$/;
const dir = mkdtempSync(join(tmpdir(), 'opsfn-deployed-'));
const k8s = new FakeKubernetes();
let served: FrameworkProcess;
let unguarded: FrameworkProcess;

function estate(auth: string): string {
  const file = join(dir, `${auth ? 'auth' : 'none'}.yaml`);
  writeFileSync(
    file,
    `estate: deployed-e2e
${auth}
limits: { body: 1MiB }
services:
  backend: { platform: kubernetes, namespace: shop, deployment: backend, server: "${k8s.server.url}" }
autoscale:
  policies:
    - { name: backend-slow, match: { alert: BackendSlow }, service: backend, up: { step: "+2", max: 5 } }
`,
  );
  return file;
}

const scale = JSON.stringify({ service: 'backend', replicas: 5, reason: 'load test' });
const json = { 'content-type': 'application/json' };
const withToken = { ...json, authorization: `Bearer ${TOKEN}` };
const replicas = () => k8s.deployments.get('shop/backend')?.spec.replicas;
const rejected = (p: FrameworkProcess) => p.audits().filter((a) => a.decision === 'rejected');

beforeAll(async () => {
  await k8s.server.start();
  k8s.addDeployment('shop', 'backend', ['app:1'], [new Date('2026-02-01T00:00:00Z')], 3);
  const auth = 'auth:\n  tokens:\n    - { name: oncall, token: { env: OPSFN_TOKEN } }';
  [served, unguarded] = await Promise.all([
    startFrameworkProcess('autoscale', { OPSFN_CONFIG: estate(auth), OPSFN_TOKEN: TOKEN }),
    startFrameworkProcess('autoscale', { OPSFN_CONFIG: estate(''), OPSFN_TOKEN: TOKEN }),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([served?.stop(), unguarded?.stop(), k8s.server.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('the deployed functions-framework entry', () => {
  it('refuses to serve a config without auth, audits it, and scales nothing', async () => {
    const reply = await rawRequest(unguarded.url, { headers: json, body: scale });
    expect(reply.status).toBe(500);
    expect(JSON.parse(reply.text).message).toContain('refusing to serve without auth');
    expect((await rawRequest(`${unguarded.url}/readyz`, { method: 'GET' })).status).toBe(503);
    const refusal = await waitFor(() => rejected(unguarded).at(-1));
    expect(refusal.reason).toMatch(/refusing to serve without auth/);
    expect(k8s.server.find('PATCH', SCALE)).toEqual([]);
  });

  it('refuses a 32 MB body before reading it, without and with credentials, and memory stays flat', async () => {
    await rawRequest(served.url, { headers: withToken, body: '{"sweep":true}' });
    const before = served.peakRssMiB();
    const huge = Buffer.alloc(32 * 1024 * 1024, 0x20);
    huge.write('{"service":"backend","replicas":5,"reason":"x","pad":"', 0);
    huge.write('"}', huge.length - 2);
    const anonymous = await rawRequest(served.url, { headers: json, body: huge });
    expect(anonymous.status).toBe(401);
    const declared = await rawRequest(served.url, { headers: withToken, body: huge });
    expect(declared.status).toBe(413);
    const chunked = Array.from({ length: 32 }, (_, i) => huge.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
    const streamed = await rawRequest(served.url, { headers: withToken, chunks: chunked });
    expect(streamed.status).toBe(413);
    // The framework's own parser held each body at least once (over 100 MiB for these three); now each
    // refusal reads at most about a MiB before closing the connection, so the peak barely moves.
    expect(served.peakRssMiB() - before).toBeLessThan(16);
    // The child's stdout reaches this process a little after its replies.
    const tooLarge = await waitFor(() => {
      const found = rejected(served).filter((a) => String(a.reason).startsWith('tooLarge'));
      return found.length >= 2 ? found : undefined;
    });
    expect(tooLarge).toHaveLength(2);
    expect(rejected(served).some((a) => String(a.reason).startsWith('unauthorized'))).toBe(true);
    expect(k8s.server.find('PATCH', SCALE)).toEqual([]);
  }, 60_000);

  it('refuses cross-site requests that carry a valid token', async () => {
    const attempts = [
      { ...withToken, 'content-type': 'text/plain;charset=UTF-8' },
      { ...withToken, origin: 'https://evil.example' },
      { ...withToken, 'sec-fetch-site': 'cross-site' },
    ];
    const statuses = [];
    for (const headers of attempts) statuses.push((await rawRequest(served.url, { headers, body: scale })).status);
    expect(statuses).toEqual([415, 403, 403]);
    const refused = await waitFor(() => {
      const found = rejected(served).filter((a) => String(a.reason).startsWith('refused:'));
      return found.length >= 3 ? found : undefined;
    });
    expect(refused.map((a) => a.evidence)).toContainEqual(expect.objectContaining({ origin: 'https://evil.example' }));
    expect(k8s.server.find('PATCH', SCALE)).toEqual([]);
    expect(replicas()).toBe(3);
  });

  it('scales for a caller that passes every check', async () => {
    const reply = await rawRequest(served.url, { headers: withToken, body: scale });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toMatchObject({ outcome: 'ok', trigger: { kind: 'manual' } });
    expect(k8s.server.find('PATCH', SCALE)).toHaveLength(1);
    expect(replicas()).toBe(5);
  });
});
