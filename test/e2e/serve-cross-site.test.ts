import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../shared/host/cli/main.js';
import type { Serving } from '../../shared/host/cli/serve-cmd.js';
import { FakeKubernetes } from '../fakes/kubernetes.js';
import { estate, functions } from '../support/catalogue.js';
import { captureIo } from '../support/cli-io.js';
import { rawRequest } from '../support/framework-process.js';

// `opsfn serve` without auth, as on an operator's laptop, and what a web page the operator visits
// can make the browser send to it: each is refused, audited, and the Deployment keeps its replicas.
const SCALE = /\/deployments\/backend\/scale$/;
const dir = mkdtempSync(join(tmpdir(), 'opsfn-serve-xsite-'));
const k8s = new FakeKubernetes();
const lines: string[] = [];
let serving: Serving | undefined;
let url = '';

beforeAll(async () => {
  await k8s.server.start();
  k8s.addDeployment('shop', 'backend', ['app:1'], [new Date('2026-02-01T00:00:00Z')], 3);
  const config = join(dir, 'opsfn.yaml');
  writeFileSync(
    config,
    `estate: laptop
services:
  backend: { platform: kubernetes, namespace: shop, deployment: backend, server: "${k8s.server.url}" }
autoscale:
  policies:
    - { name: backend-slow, match: { alert: BackendSlow }, service: backend, up: { step: "+2", max: 5 } }
`,
  );
  const code = await main(['serve', '--config', config, '--port', '0', '--no-scheduler'], {
    functions,
    estate,
    io: captureIo({}),
    logSink: (line) => lines.push(line),
    onServing: (started) => {
      serving = started;
      url = started.url;
    },
  });
  expect(code).toBe(0);
});

afterAll(async () => {
  await serving?.stop();
  await k8s.server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const scale = JSON.stringify({ service: 'backend', replicas: 5, reason: 'load test' });
const audits = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.audit === true);
const port = () => new URL(url).port;

describe('opsfn serve on loopback against a web page', () => {
  it.each([
    [
      "a no-cors text/plain POST from another site's page",
      { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      403,
    ],
    ['a text/plain POST from a browser that sends no Origin', { 'content-type': 'text/plain' }, 415],
    ['a form POST', { 'content-type': 'application/x-www-form-urlencoded' }, 415],
    ['a JSON POST from a foreign Origin', { 'content-type': 'application/json', origin: 'http://127.0.0.1:1' }, 403],
    ['a JSON POST from a sandboxed page (Origin: null)', { 'content-type': 'application/json', origin: 'null' }, 403],
    ['a JSON POST a sibling site made', { 'content-type': 'application/json', 'sec-fetch-site': 'same-site' }, 403],
  ])('refuses %s, audits it and scales nothing', async (_what, headers, status) => {
    const before = audits().length;
    const reply = await rawRequest(`${url}/autoscale`, { headers, body: scale });
    expect(reply.status).toBe(status);
    expect(audits().slice(before)).toEqual([
      expect.objectContaining({
        decision: 'rejected',
        function: 'autoscale',
        reason: expect.stringMatching(/^refused: /),
      }),
    ]);
    expect(k8s.server.find('PATCH', SCALE)).toEqual([]);
  });

  it('refuses a DNS-rebinding Host with 421, audits it and scales nothing', async () => {
    const before = audits().length;
    const reply = await rawRequest(`${url}/autoscale`, {
      headers: { host: `rebind.evil.example:${port()}`, 'content-type': 'application/json' },
      body: scale,
    });
    expect(reply.status).toBe(421);
    expect(reply.headers.connection).toBe('close');
    expect(audits().slice(before)).toEqual([
      expect.objectContaining({
        decision: 'rejected',
        evidence: expect.objectContaining({ host: `rebind.evil.example:${port()}` }),
      }),
    ]);
    const read = await rawRequest(`${url}/drDrill`, { method: 'GET', headers: { host: 'rebind.evil.example' } });
    expect(read.status).toBe(421);
    expect(k8s.server.find('PATCH', SCALE)).toEqual([]);
    expect(k8s.deployments.get('shop/backend')?.spec.replicas).toBe(3);
  });

  it('serves its own page and the command line: a loopback Host, its own Origin, JSON', async () => {
    const reply = await rawRequest(`${url}/autoscale`, {
      headers: {
        host: `localhost:${port()}`,
        origin: `http://localhost:${port()}`,
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/json',
      },
      body: scale,
    });
    expect(reply.status).toBe(200);
    expect(k8s.server.find('PATCH', SCALE)).toHaveLength(1);
    expect(k8s.deployments.get('shop/backend')?.spec.replicas).toBe(5);
  });
});

describe('opsfn serve off loopback with auth.mode platform', () => {
  const platformConfig = join(dir, 'platform.yaml');
  const start = async (extra: string[]) => {
    writeFileSync(
      platformConfig,
      `estate: laptop
auth: { mode: platform }
services:
  backend: { platform: kubernetes, namespace: shop, deployment: backend, server: "${k8s.server.url}" }
autoscale:
  policies:
    - { name: backend-slow, match: { alert: BackendSlow }, service: backend, up: { step: "+2", max: 5 } }
`,
    );
    let started: Serving | undefined;
    const io = captureIo({});
    const code = await main(
      ['serve', '--config', platformConfig, '--port', '0', '--no-scheduler', '--host', '0.0.0.0', ...extra],
      { functions, estate, io, logSink: () => undefined, onServing: (s) => (started = s) },
    );
    return { code, started, stderr: io.stderr() };
  };

  it('refuses to start without the Host names it is reached by: it checks no credentials', async () => {
    const { code, started, stderr } = await start([]);
    expect(code).not.toBe(0);
    expect(started).toBeUndefined();
    expect(stderr).toMatch(
      /no --allowed-host: it checks no credentials, so a web page could reach it through DNS rebinding/,
    );
  });

  it('answers only to its allowed Host names, so a rebinding page is refused (421) and scales nothing', async () => {
    const { started } = await start(['--allowed-host', 'opsfn.internal']);
    if (!started) throw new Error('serve did not start');
    try {
      const at = new URL(started.url.replace('0.0.0.0', '127.0.0.1'));
      const rebinding = await rawRequest(`${at.origin}/autoscale`, {
        headers: { host: `rebind.evil.example:${at.port}`, 'content-type': 'application/json' },
        body: scale,
      });
      expect(rebinding.status).toBe(421);
      const console = await rawRequest(`${at.origin}/`, {
        method: 'GET',
        headers: { host: `rebind.evil.example:${at.port}` },
      });
      expect(console.status).toBe(421);
      expect(k8s.server.find('PATCH', SCALE)).toHaveLength(1);
      const named = await rawRequest(`${at.origin}/healthz`, {
        method: 'GET',
        headers: { host: `opsfn.internal:${at.port}` },
      });
      expect(named.status).toBe(200);
    } finally {
      await started.stop();
    }
  });
});
