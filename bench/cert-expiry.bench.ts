import { execFile, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { connect, createSecureContext, createServer, rootCertificates, type SecureContext } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { checkCertificates, createLimiter } from '../functions/cert-expiry/check.js';
import type { CertItem, Target } from '../functions/cert-expiry/types.js';
import { createTlsFixtures, type TlsFixtures } from '../test/support/tls-fixtures.js';
import { timed } from './measure.js';

const ENDPOINTS = 1_000;
const PORTS = 50;
// Two server processes, one per core of the target machine, so the servers are not what is measured.
const SERVER_PROCESSES = 2;
const CONCURRENCY = 64;
const OPENSSL_SAMPLE = 10;
const HERE = dirname(fileURLToPath(import.meta.url));

/** Which certificate each endpoint serves: mostly healthy, with every other verdict mixed in. */
const KINDS = [
  'ok',
  'ok',
  'ok',
  'ok',
  'short47Ok',
  'warn',
  'short47Overdue',
  'critical',
  'expired',
  'mismatch',
  'sha1',
  'self',
];

function pemsFor(fx: TlsFixtures, kind: string): { key: string; cert: string } {
  if (kind === 'self') return { key: fx.selfSigned.key.pem, cert: fx.selfSigned.pem };
  const leaf = fx.leaves[kind as keyof TlsFixtures['leaves']];
  return { key: leaf.key.pem, cert: leaf.pem + fx.inter.pem };
}

/** The server side, in its own process so its CPU is not counted against the client being measured. */
async function serve(): Promise<void> {
  const pems = await new Promise<Record<string, { key: string; cert: string }>>((resolve) =>
    process.once('message', (m) => resolve(m as Record<string, { key: string; cert: string }>)),
  );
  const contexts = new Map<string, SecureContext>();
  for (const [kind, pem] of Object.entries(pems)) {
    contexts.set(kind, createSecureContext({ ...pem, ciphers: 'DEFAULT:@SECLEVEL=0' }));
  }
  const ports: number[] = [];
  for (let i = 0; i < PORTS / SERVER_PROCESSES; i++) {
    const server = createServer({
      ...pems.ok!,
      ciphers: 'DEFAULT:@SECLEVEL=0',
      SNICallback: (name, done) => done(null, contexts.get(/^e\d+-(\w+)\./.exec(name)?.[1] ?? 'ok')),
    });
    server.on('tlsClientError', () => undefined);
    server.on('secureConnection', (socket) => socket.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    ports.push((server.address() as { port: number }).port);
  }
  process.send?.(ports);
}

function targetsOn(ports: number[]): Target[] {
  return Array.from({ length: ENDPOINTS }, (_, i) => {
    const servername = `e${i}-${KINDS[i % KINDS.length]}.test.local`;
    const port = ports[i % ports.length]!;
    return {
      endpoint: `${servername}:${port}`,
      host: servername,
      port,
      servername,
      address: '127.0.0.1',
      protocol: 'tls',
      caFiles: [],
    };
  });
}

/**
 * The baseline a script would write: tls.connect per endpoint, read the leaf, hang up. It builds one
 * context per sweep trusting the same roots as certExpiry (system store plus the test roots), so it
 * neither pays for a context per connection nor misses verification.
 */
async function plainSweep(targets: Target[], trusted: string[]): Promise<number> {
  const secureContext = createSecureContext({ ca: [...rootCertificates, ...trusted] });
  const limit = createLimiter(CONCURRENCY);
  let ok = 0;
  await Promise.all(
    targets.map((t) =>
      limit(
        () =>
          new Promise<void>((resolve) => {
            const socket = connect({
              host: t.address,
              port: t.port,
              servername: t.servername,
              secureContext,
              rejectUnauthorized: false,
            });
            socket.setTimeout(5_000, () => socket.destroy());
            socket.once('secureConnect', () => {
              if (socket.getPeerCertificate().valid_to) ok++;
              socket.destroy();
            });
            socket.once('close', () => resolve());
            socket.once('error', () => resolve());
          }),
      ),
    ),
  );
  return ok;
}

/** The runbook's loop: `openssl s_client | openssl x509 -noout -dates`, one endpoint after another. */
async function opensslLoop(targets: Target[]): Promise<number> {
  let ok = 0;
  for (const t of targets) {
    const command = `openssl s_client -connect 127.0.0.1:${t.port} -servername ${t.servername} </dev/null 2>/dev/null | openssl x509 -noout -dates`;
    const out = await new Promise<string>((resolve) => execFile('sh', ['-c', command], (_, stdout) => resolve(stdout)));
    if (out.includes('notAfter=')) ok++;
  }
  return ok;
}

/** Runs the three sweeps against the same 1,000 loopback endpoints, prints the figures and writes the JSON. */
export async function main(): Promise<Record<string, unknown>> {
  const fx = createTlsFixtures();
  const children = Array.from({ length: SERVER_PROCESSES }, () =>
    fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: 'inherit' }),
  );
  try {
    const kinds = [...new Set(KINDS)];
    const pems = Object.fromEntries(kinds.map((k) => [k, pemsFor(fx, k)]));
    const perChild = await Promise.all(
      children.map((child) => {
        child.send(pems);
        return new Promise<number[]>((resolve) => child.once('message', (m) => resolve(m as number[])));
      }),
    );
    const ports = perChild.flat();
    const targets = targetsOn(ports);
    const options = {
      now: () => new Date(),
      thresholds: { warnDays: 30, criticalDays: 7 },
      timeoutMs: 5_000,
      concurrency: CONCURRENCY,
      runTimeoutMs: 120_000,
      loadTrust: async () => (await import('../functions/cert-expiry/trust.js')).loadTrustStore([fx.caFile]),
    };
    const trusted = [fx.root.pem, fx.oldRoot.pem];
    await plainSweep(targets.slice(0, 100), trusted);
    await checkCertificates(targets.slice(0, 100), options);
    const ours: number[] = [];
    const plain: number[] = [];
    const oursCpu: number[] = [];
    const plainCpu: number[] = [];
    let items: CertItem[] = [];
    for (let round = 0; round < 2; round++) {
      const a = await timed(() => checkCertificates(targets, options));
      items = a.value;
      ours.push(a.ms);
      oursCpu.push(a.cpuMs);
      const b = await timed(() => plainSweep(targets, trusted));
      plain.push(b.ms);
      plainCpu.push(b.cpuMs);
    }
    const sample = targets.slice(0, OPENSSL_SAMPLE);
    const openssl = await timed(() => opensslLoop(sample));
    const opensslScaled = (openssl.ms / sample.length) * ENDPOINTS;
    const oursMs = Math.min(...ours);
    const plainMs = Math.min(...plain);
    const statuses = Object.fromEntries(
      ['ok', 'warn', 'critical', 'error'].map((s) => [s, items.filter((i) => i.status === s).length]),
    );
    const result = {
      endpoints: ENDPOINTS,
      concurrency: CONCURRENCY,
      statuses,
      certExpiryMs: Math.round(oursMs),
      plainTlsSweepMs: Math.round(plainMs),
      opensslLoop: {
        sample: sample.length,
        sampleMs: Math.round(openssl.ms),
        scaledMs: Math.round(opensslScaled),
        ok: openssl.value,
      },
      clientCpuMs: { certExpiry: Math.round(Math.min(...oursCpu)), plainTlsSweep: Math.round(Math.min(...plainCpu)) },
      rounds: { certExpiryMs: ours.map(Math.round), plainTlsSweepMs: plain.map(Math.round) },
      speedupVsOpenssl: Number((opensslScaled / oursMs).toFixed(1)),
      ratioVsPlainSweep: Number((plainMs / oursMs).toFixed(2)),
      targets: { speedupVsOpenssl: 20, ratioVsPlainSweep: 1 },
      node: process.version,
      at: new Date().toISOString(),
    };
    console.log(`certExpiry: ${ENDPOINTS} endpoints in ${result.certExpiryMs} ms (${JSON.stringify(statuses)})`);
    console.log(`plain tls.connect sweep at concurrency ${CONCURRENCY}: ${result.plainTlsSweepMs} ms`);
    console.log(
      `client CPU: certExpiry ${result.clientCpuMs.certExpiry} ms, plain sweep ${result.clientCpuMs.plainTlsSweep} ms`,
    );
    console.log(
      `openssl s_client | x509 loop: ${result.opensslLoop.sampleMs} ms for ${sample.length}, scaled ${result.opensslLoop.scaledMs} ms`,
    );
    console.log(`speed-up vs openssl loop: ${result.speedupVsOpenssl}x (target >= 20x)`);
    console.log(`plain sweep time / certExpiry time: ${result.ratioVsPlainSweep} (target >= 1)`);
    mkdirSync(join(HERE, 'results'), { recursive: true });
    writeFileSync(join(HERE, 'results', 'cert-expiry.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    for (const child of children) child.kill();
    fx.pki.cleanup();
  }
}

if (process.argv.includes('--serve')) {
  await serve();
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
