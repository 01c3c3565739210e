import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type SecureContextOptions, TLSSocket } from 'node:tls';
import type { TestCert } from './tls-pki.js';

/** A listening test server and how to stop it. */
/**
 * A loopback port that refuses connections: tcpmux's port 1, below the ephemeral range, so no test server
 * listening on port 0 can take it (a port freed by closing a server can be taken by a parallel test).
 */
export const REFUSED_PORT = 1;

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** TLS options serving `leaf` with `chain` behind it; the floor is lowered so weak cases can be served. */
export function serveOptions(
  leaf: TestCert,
  chain: TestCert[] = [],
  extra: SecureContextOptions = {},
): SecureContextOptions {
  return {
    key: leaf.key.pem,
    cert: [leaf, ...chain].map((c) => c.pem).join(''),
    ciphers: 'DEFAULT:@SECLEVEL=0',
    minVersion: 'TLSv1',
    ...extra,
  };
}

function track(server: Server, host: string, port: number): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A TLS server on `host` (port 0 picks a free one). */
export function startTlsServer(options: SecureContextOptions, host = '127.0.0.1', port = 0): Promise<RunningServer> {
  const server = createTlsServer(options, (socket) => socket.end());
  server.on('tlsClientError', () => undefined);
  return track(server, host, port);
}

/** The same TLS server on several addresses and one port, as one name with several A/AAAA records. */
export async function startTlsOnAddresses(perAddress: [string, SecureContextOptions][]): Promise<RunningServer> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const started: RunningServer[] = [];
    try {
      let port = 0;
      for (const [host, options] of perAddress) {
        const server = await startTlsServer(options, host, port);
        started.push(server);
        port = server.port;
      }
      return { port, close: async () => void (await Promise.all(started.map((s) => s.close()))) };
    } catch {
      await Promise.all(started.map((s) => s.close()));
    }
  }
  throw new Error('no port free on every address');
}

/** Accepts connections and never says a word. */
export function startHangingServer(host = '127.0.0.1'): Promise<RunningServer> {
  return track(
    createNetServer(() => undefined),
    host,
    0,
  );
}

/** A plain HTTP server: what a probe meets when TLS is expected on a cleartext port. */
export function startHttpServer(host = '127.0.0.1'): Promise<RunningServer> {
  const server = createHttpServer((_, res) => res.end('plain\n')) as unknown as Server;
  return track(server, host, 0);
}

/**
 * A tiny SMTP server that offers STARTTLS (or not) and upgrades to TLS with `options`. `terse` ends its greeting
 * and its STARTTLS answer with a bare code, which RFC 5321 §4.2 allows (`Reply-code [ SP textstring ] CRLF`).
 */
export function startSmtpServer(
  options: SecureContextOptions,
  offerStartTls = true,
  host = '127.0.0.1',
  terse = false,
): Promise<RunningServer> {
  const context = createSecureContext(options);
  const server = createNetServer((socket) => {
    socket.write(terse ? '220-mx.test.local ESMTP opsfn-test\r\n220\r\n' : '220 mx.test.local ESMTP opsfn-test\r\n');
    let pending = '';
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let eol = pending.indexOf('\n'); eol >= 0; eol = pending.indexOf('\n')) {
        const line = pending.slice(0, eol).trim().toUpperCase();
        pending = pending.slice(eol + 1);
        if (line.startsWith('EHLO')) {
          socket.write(
            `250-mx.test.local\r\n250-PIPELINING\r\n${offerStartTls ? '250-STARTTLS\r\n' : ''}250 8BITMIME\r\n`,
          );
        } else if (line === 'STARTTLS' && offerStartTls) {
          socket.off('data', onData);
          socket.write(terse ? '220\r\n' : '220 2.0.0 Ready to start TLS\r\n');
          const secure = new TLSSocket(socket, { isServer: true, secureContext: context });
          secure.on('error', () => undefined);
          secure.on('secure', () => secure.end());
          return;
        } else if (line === 'QUIT') {
          socket.end('221 bye\r\n');
        } else {
          socket.write('502 5.5.2 not implemented\r\n');
        }
      }
    };
    socket.on('data', onData);
  });
  return track(server, host, 0);
}
