import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { zonedParts } from '../../shared/core/config/time-zone.js';
import { createHttpServer as createOpsfnServer } from '../../shared/host/runtime/node-server.js';
import { type FakeReply, RecordingServer } from '../fakes/recording-server.js';
import { suffix } from '../shared/adapters/databases/seed.js';
import { TestPki } from '../support/tls-pki.js';
import { serveOptions, startTlsServer } from '../support/tls-servers.js';
import type { RunningEstate } from './harness.js';

const run = promisify(execFile);

/** A Prometheus HTTP API stand-in: `/api/v1/query` answers one sample, `answer(query, time)`, or an empty vector. */
export async function startPrometheus(
  answer: (query: string, at: Date) => number | undefined | Promise<number | undefined>,
) {
  const server = new RecordingServer(async (r): Promise<FakeReply> => {
    if (r.path !== '/api/v1/query') return { status: 404, body: { status: 'error', error: 'not found' } };
    const at = new Date(Number(r.query.get('time') ?? Date.now() / 1000) * 1000);
    const value = await answer(r.query.get('query') ?? '', at);
    const result = value === undefined ? [] : [{ metric: {}, value: [Date.now() / 1000, String(value)] }];
    return { status: 200, body: { status: 'success', data: { resultType: 'vector', result } } };
  });
  await server.start();
  return server;
}

/** A kubeconfig whose contexts reach the given API servers (plain http, as `kubectl proxy` serves). */
export async function kubeconfig(contexts: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'opsfn-kube-'));
  const path = join(dir, 'config');
  const names = Object.keys(contexts);
  await writeFile(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: names.map((name) => ({ name, cluster: { server: contexts[name], 'insecure-skip-tls-verify': true } })),
      users: [{ name: 'opsfn', user: { token: 'stand-in' } }],
      contexts: names.map((name) => ({ name, context: { cluster: name, user: 'opsfn' } })),
      'current-context': 'somewhere-else',
    }),
  );
  return path;
}

const psql = (sql: string, database = 'postgres') =>
  run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-c', sql]);

/** A fresh PostgreSQL database on the local server, filled by `sql`, with its URL, its plain pg_dump and a drop. */
export async function pgDatabase(sql: string) {
  const name = `opsfn_estate_${suffix()}`;
  await psql(`CREATE DATABASE ${name}`);
  await psql(sql, name);
  return {
    name,
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    dump: async () =>
      (await run('pg_dump', ['-h', '127.0.0.1', '-U', 'postgres', name], { encoding: 'buffer', maxBuffer: 1 << 30 }))
        .stdout,
    drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined),
  };
}

/** A fresh MariaDB database on the local server, filled by `sql`, with a drop. */
export async function mysqlDatabase(sql: string) {
  const name = `opsfn_estate_${suffix()}`;
  const mariadb = (text: string) => run('mariadb', ['-h', '127.0.0.1', '-u', 'root', '--protocol=TCP', '-e', text]);
  await mariadb(`CREATE DATABASE ${name}; USE ${name}; ${sql}`);
  return { name, drop: () => mariadb(`DROP DATABASE IF EXISTS ${name}`).then(() => undefined) };
}

/** `YYYYMMDD_HHMMSS` of an instant in `timeZone`, as a backup script's `date +%Y%m%d_%H%M%S` names it there. */
export function localStamp(at: Date, timeZone: string): string {
  const [y, mo, d, h, mi, se] = zonedParts(at.getTime(), timeZone).map((n) => String(n).padStart(2, '0'));
  return `${y}${mo}${d}_${h}${mi}${se}`;
}

/** Listens on a free loopback port; the server's URL and a close that drops its connections. */
async function listen(server: Server) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** TLS for the estate's public host names: a CA, one certificate for every name, served on `ports` loopback ports. */
export async function startTlsHosts(hosts: string[], ports = 1) {
  const pki = new TestPki();
  const caKey = pki.key('ca');
  const ca = pki.issue({ name: 'ca', cn: 'Estate Test CA', key: caKey, fromDays: -10, toDays: 3650, ca: true });
  const leaf = pki.issue({
    name: 'leaf',
    cn: hosts[0] ?? 'localhost',
    key: pki.key('leaf'),
    issuer: ca,
    fromDays: -10,
    toDays: 200,
    sans: [...hosts.map((h) => `DNS:${h}`), 'IP:127.0.0.1'],
  });
  const servers = await Promise.all(Array.from({ length: ports }, () => startTlsServer(serveOptions(leaf, [ca]))));
  return {
    caFile: ca.path,
    /** A `certificates.endpoints` entry probing `host` on the `i`th server. */
    endpoint: (host: string, i = 0) => ({ host, port: servers[i]?.port ?? 0, address: '127.0.0.1' }),
    close: async () => {
      await Promise.all(servers.map((server) => server.close()));
      pki.cleanup();
    },
  };
}

/** One answer of {@link startApp}: a status, or a status with a JSON body (a readiness report). */
export type AppAnswer = number | { status: number; body: unknown };

/** The estate's services as HTTP answers a test sets per path (`/health` → 200), on one loopback port. */
export async function startApp(answers: Record<string, AppAnswer | (() => AppAnswer)> = {}) {
  const seen: string[] = [];
  const server: Server = createHttpServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://app').pathname;
    seen.push(`${req.headers.authorization ?? ''} ${path}`);
    const given = answers[path];
    const answer = typeof given === 'function' ? given() : (given ?? 200);
    const [status, body] = typeof answer === 'number' ? [answer, { status: 'ok' }] : [answer.status, answer.body];
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return { ...(await listen(server)), answers, seen };
}

/** The estate served as `opsfn serve` serves it (loopback), and requests to it with a bearer token. */
export async function serveEstate(running: RunningEstate) {
  const { url, close } = await listen(createOpsfnServer(running.runtime, { loopback: true }));
  const call = async (path: string, token: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** Starts a drill and waits for its end, as an operator watching `GET /drDrill?id=` would. */
  const drill = async (plan: string, token: string, approve?: string) => {
    const started = await call('/drDrill', token, { plan });
    const id = String(started.body.drill);
    const status = async () => (await call(`/drDrill?id=${id}`, token)).body;
    for (let i = 0; i < 500; i++) {
      const record = await status();
      if (record.status === 'awaiting-approval' && approve) await call('/drDrill/approve', approve, { id });
      if (['passed', 'failed', 'cancelled'].includes(String(record.status))) return { started, record };
      await new Promise((r) => setTimeout(r, 30));
    }
    throw new Error(`drill ${id} did not end: ${JSON.stringify(await status())}`);
  };
  return { url, call, drill, close };
}

/** An Alertmanager webhook (v4) carrying `alerts`, as Alertmanager posts it to the functions its routes name. */
export function alertmanager(alerts: { labels: Record<string, string>; status?: 'firing' | 'resolved' }[]) {
  return {
    version: '4',
    groupKey: '{}:{}',
    status: alerts.every((a) => a.status === 'resolved') ? 'resolved' : 'firing',
    receiver: 'opsfn',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: alerts.map((a, i) => ({
      status: a.status ?? 'firing',
      labels: a.labels,
      annotations: {},
      startsAt: new Date(Date.now() - 10 * 60_000).toISOString(),
      endsAt: a.status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: `${suffix()}${i}`,
    })),
  };
}

/**
 * One API root in front of two fakes of the same API: a request goes to `pick(path)` (Cloud Run's production
 * services and its DR region are separate fakes; the estate has one `endpoints.run`).
 */
export async function startRouter(pick: (path: string) => string) {
  const server: Server = createHttpServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const upstream = await fetch(`${pick(req.url ?? '/')}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers: { 'content-type': String(req.headers['content-type'] ?? 'application/json') },
      ...(body.length > 0 ? { body } : {}),
    });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  return listen(server);
}
