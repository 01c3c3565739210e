import type { X509Certificate } from 'node:crypto';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import type { SecureContext, TLSSocket } from 'node:tls';
import { NotTlsError, startTls } from './starttls.js';
import { tlsModule } from './tls-module.js';
import type { Presented, ProbeFailure, ProbeResult, Target } from './types.js';

/** What one probe needs: where to go, how long it may take, and the context to handshake with. */
export interface ProbeOptions {
  timeoutMs: number;
  /** Already spent on this endpoint's DNS lookup; the probe gets what is left of `timeoutMs`. */
  spentMs?: number;
  secureContext: SecureContext;
  /** Aborted when the run's deadline passes. */
  signal?: AbortSignal;
}

const CONNECT_ERRORS: Record<string, ProbeFailure> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'refused',
  ENETUNREACH: 'refused',
  EADDRNOTAVAIL: 'refused',
  ETIMEDOUT: 'timeout',
};

function classify(error: NodeJS.ErrnoException, connected: boolean): { problem: ProbeFailure; error: string } {
  if (error instanceof NotTlsError) return { problem: 'not-tls', error: error.message };
  const byCode = error.code ? CONNECT_ERRORS[error.code] : undefined;
  if (byCode && !connected) return { problem: byCode, error: `${error.code}: ${error.message}` };
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
    return { problem: 'not-tls', error: 'connection reset during the TLS handshake' };
  }
  return { problem: 'not-tls', error: `TLS handshake failed: ${opensslReason(error.message)}` };
}

/**
 * OpenSSL 3 prefixes its errors with the id of the thread that saw them and ends them with its source
 * location; both are dropped so one failure reads the same whichever thread probed it.
 */
function opensslReason(message: string): string {
  return message.replace(/^[0-9A-F]+:(error:)/, '$1').replace(/:[^:\s]+\.c:\d+:\s*$/, '');
}

const PROTOCOL_NAMES = { tls: 'TLS', smtp: 'SMTP', postgres: 'PostgreSQL', mysql: 'MySQL' } as const;

const MAX_PRESENTED = 16;

/**
 * The presented certificates, leaf first, linked by `getPeerX509Certificate` in the order sent; cheaper
 * than the JS objects `getPeerCertificate(true)` builds for every certificate.
 */
function presentedChain(socket: TLSSocket): Presented[] {
  const chain: X509Certificate[] = [];
  let cert = socket.getPeerX509Certificate();
  while (cert && chain.length < MAX_PRESENTED && !chain.includes(cert)) {
    chain.push(cert);
    cert = cert.issuerCertificate;
  }
  return chain;
}

/** Connects to `address`, upgrades to TLS the protocol's way and brings back what the server presented. */
export function probeAddress(target: Target, address: string, options: ProbeOptions): Promise<ProbeResult> {
  return new Promise<ProbeResult>((resolve) => {
    let raw: Socket | undefined;
    let tls: TLSSocket | undefined;
    let connected = false;
    // Where a probe that runs out of time was stuck, so the timeout names the step that never finished.
    let phase = 'no TCP connection';
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      tls?.destroy();
      raw?.destroy();
      resolve(result);
    };
    const fail = (error: NodeJS.ErrnoException): void => finish({ ok: false, ...classify(error, connected) });
    const onAbort = (): void =>
      finish({ ok: false, problem: 'timeout', error: 'run deadline reached before the probe ended' });
    const spent = options.spentMs ?? 0;
    const timer = setTimeout(
      () => {
        const dns = spent > 0 ? ` (${spent}ms of it on DNS)` : '';
        finish({ ok: false, problem: 'timeout', error: `${phase} within ${options.timeoutMs}ms${dns}` });
      },
      Math.max(1, options.timeoutMs - spent),
    );
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const handshake = (socket: Socket | undefined): void => {
      if (socket) phase = 'no TLS handshake';
      tls = tlsModule().connect({
        ...(socket ? { socket } : { host: address, port: target.port }),
        servername: isIP(target.servername) ? undefined : target.servername,
        secureContext: options.secureContext,
        rejectUnauthorized: false,
      });
      tls.once('connect', () => {
        connected = true;
        phase = 'no TLS handshake';
      });
      tls.once('secureConnect', () => {
        const current = tls!;
        finish({ ok: true, chain: presentedChain(current), protocol: current.getProtocol() ?? 'unknown' });
      });
      tls.on('error', fail);
      tls.once('close', () => {
        if (!settled) fail(new NotTlsError('connection closed during the TLS handshake'));
      });
    };

    if (target.protocol === 'tls') return handshake(undefined);
    raw = connectTcp({ host: address, port: target.port });
    raw.once('error', fail);
    raw.once('connect', () => {
      connected = true;
      phase = `STARTTLS (${PROTOCOL_NAMES[target.protocol]}) not completed`;
      startTls(raw!, target.protocol).then(() => {
        raw!.off('error', fail);
        if (!settled) handshake(raw);
      }, fail);
    });
  });
}
