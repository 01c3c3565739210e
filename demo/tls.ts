import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DAY_MS = 86_400_000;

/** A local TLS endpoint whose certificate expires in `days`. */
export interface DemoEndpoint {
  days: number;
  port: number;
  server: Server;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir, timeout: 20_000 });
}

const CA_CONFIG = `[ ca ]
default_ca = demo
[ demo ]
database = index.txt
new_certs_dir = .
serial = serial
policy = any
unique_subject = no
copy_extensions = none
default_md = sha256
[ any ]
commonName = supplied
[ leaf ]
subjectAltName = DNS:localhost,IP:127.0.0.1
extendedKeyUsage = serverAuth
basicConstraints = CA:FALSE
`;

const stamp = (date: Date) => `${date.toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`;

/**
 * A demo CA and one leaf per entry of `days` (for `localhost` and 127.0.0.1), made with the openssl CLI
 * at each start so the days left are as promised. Each leaf was issued 90 days ago, the lifetime of a
 * typical ACME certificate, so certExpiry judges them by its day thresholds (`openssl ca` sets exact
 * dates, which `x509 -req` cannot on OpenSSL 3.0).
 */
export async function demoCertificates(dir: string, days: readonly number[], now = new Date()) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await Promise.all([
    writeFile(join(dir, 'ca.cnf'), CA_CONFIG),
    writeFile(join(dir, 'index.txt'), ''),
    writeFile(join(dir, 'serial'), `${randomBytes(8).toString('hex')}\n`),
  ]);
  const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(dir, [
    'req',
    '-x509',
    ...curve,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '3650',
    '-subj',
    '/CN=opsfn demo CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const leaves = [];
  for (const d of days) {
    await openssl(dir, [
      'req',
      ...curve,
      '-keyout',
      `leaf-${d}.key`,
      '-out',
      `leaf-${d}.csr`,
      '-subj',
      `/CN=localhost`,
    ]);
    await openssl(dir, [
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-cert',
      'ca.pem',
      '-keyfile',
      'ca.key',
      '-extensions',
      'leaf',
      '-startdate',
      stamp(new Date(now.getTime() - 90 * DAY_MS)),
      '-enddate',
      stamp(new Date(now.getTime() + d * DAY_MS + 2 * 3_600_000)),
      '-in',
      `leaf-${d}.csr`,
      '-out',
      `leaf-${d}.pem`,
      '-notext',
    ]);
    const [key, cert] = await Promise.all([readFile(join(dir, `leaf-${d}.key`)), readFile(join(dir, `leaf-${d}.pem`))]);
    leaves.push({ days: d, key, cert });
  }
  return { caFile: join(dir, 'ca.pem'), leaves };
}

/** Serves each leaf on its own loopback port; a client gets the handshake and a one-line answer. */
export async function startTlsEndpoints(
  leaves: { days: number; key: Buffer; cert: Buffer }[],
): Promise<DemoEndpoint[]> {
  return Promise.all(
    leaves.map(
      (leaf) =>
        new Promise<DemoEndpoint>((resolve, reject) => {
          const server = createServer({ key: leaf.key, cert: leaf.cert }, (socket) => socket.end('opsfn demo\n'));
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () =>
            resolve({ days: leaf.days, port: (server.address() as AddressInfo).port, server }),
          );
        }),
    ),
  );
}
