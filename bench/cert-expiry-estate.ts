import { fork } from 'node:child_process';
import { createSecureContext, createServer, type SecureContext } from 'node:tls';
import { fileURLToPath } from 'node:url';
import type { Target } from '../functions/cert-expiry/types.js';
import type { TlsFixtures } from '../test/support/tls-fixtures.js';
import { processCpuMs } from './blackbox.js';

// The loopback estate the certExpiry bench probes: PORTS TLS listeners spread over server processes, each
// endpoint's SNI name choosing which certificate it is served.

/** Which certificate each endpoint serves: mostly healthy, with every other verdict mixed in. */
export const KINDS = [
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
] as const;

const PORTS = 50;

type Pems = Record<string, { key: string; cert: string }>;

function pemsFor(fx: TlsFixtures, kind: string): { key: string; cert: string } {
  if (kind === 'self') return { key: fx.selfSigned.key.pem, cert: fx.selfSigned.pem };
  const leaf = fx.leaves[kind as keyof TlsFixtures['leaves']];
  return { key: leaf.key.pem, cert: leaf.pem + fx.inter.pem };
}

/** The SNI name of endpoint `index`: the server picks the certificate of its kind from it. */
export function servernameOf(index: number, kind: string): string {
  return `e${index}-${kind}.test.local`;
}

/** The server side, in its own process so its CPU is not counted against the client being measured. */
async function serve(count: number): Promise<void> {
  const pems = await new Promise<Pems>((resolve) => process.once('message', (m) => resolve(m as Pems)));
  const contexts = new Map<string, SecureContext>();
  for (const [kind, pem] of Object.entries(pems)) {
    contexts.set(kind, createSecureContext({ ...pem, ciphers: 'DEFAULT:@SECLEVEL=0' }));
  }
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
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

/** The running estate: `endpoints` targets over its ports, and a stop for the server processes. */
export interface Estate {
  targets: Target[];
  /** CPU time the server processes have used so far. */
  cpuMs(): number;
  stop(): void;
}

/** Forks `processes` server processes (one per core, so servers are not what is measured) and lays out the targets. */
export async function startEstate(fx: TlsFixtures, endpoints: number, processes: number): Promise<Estate> {
  const children = Array.from({ length: processes }, () =>
    fork(fileURLToPath(import.meta.url), ['--serve', String(PORTS / processes)], { stdio: 'inherit' }),
  );
  const stop = () => {
    for (const child of children) child.kill();
  };
  try {
    const pems = Object.fromEntries([...new Set(KINDS)].map((k) => [k, pemsFor(fx, k)]));
    const perChild = await Promise.all(
      children.map((child) => {
        child.send(pems);
        return new Promise<number[]>((resolve) => child.once('message', (m) => resolve(m as number[])));
      }),
    );
    const ports = perChild.flat();
    const targets = Array.from({ length: endpoints }, (_, i): Target => {
      const servername = servernameOf(i, KINDS[i % KINDS.length]!);
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
    return { targets, stop, cpuMs: () => children.reduce((sum, child) => sum + processCpuMs(child.pid!), 0) };
  } catch (error) {
    stop();
    throw error;
  }
}

const at = process.argv.indexOf('--serve');
if (at >= 0) await serve(Number(process.argv[at + 1]));
