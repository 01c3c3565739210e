import { execFile } from 'node:child_process';
import { connect, createSecureContext, rootCertificates } from 'node:tls';
import { createLimiter } from '../functions/cert-expiry/check.js';
import type { Target } from '../functions/cert-expiry/types.js';
import type { BlackboxProbe } from './blackbox.js';
import { KINDS, servernameOf } from './cert-expiry-estate.js';

// What certExpiry is measured against on the same estate: a plain Node sweep, the runbook's openssl loop,
// and blackbox_exporter's TLS prober.

/**
 * The baseline a script would write: tls.connect per endpoint, read the leaf, hang up. It builds one
 * context per sweep trusting the same roots as certExpiry (system store plus the test roots), so it
 * neither pays for a context per connection nor misses verification.
 */
export async function plainSweep(targets: Target[], trusted: string[], concurrency: number): Promise<number> {
  const secureContext = createSecureContext({ ca: [...rootCertificates, ...trusted] });
  const limit = createLimiter(concurrency);
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
export async function opensslLoop(targets: Target[]): Promise<number> {
  let ok = 0;
  for (const t of targets) {
    const command = `openssl s_client -connect 127.0.0.1:${t.port} -servername ${t.servername} </dev/null 2>/dev/null | openssl x509 -noout -dates`;
    const out = await new Promise<string>((resolve) => execFile('sh', ['-c', command], (_, stdout) => resolve(stdout)));
    if (out.includes('notAfter=')) ok++;
  }
  return ok;
}

/** blackbox_exporter's tcp prober with TLS, one module per certificate kind so each probe gets its kind's SNI. */
export function blackboxModules(caFile: string, timeoutMs: number): Record<string, unknown> {
  return Object.fromEntries(
    [...new Set(KINDS)].map((kind) => [
      `tls_${kind}`,
      {
        prober: 'tcp',
        timeout: `${timeoutMs / 1_000}s`,
        tcp: { tls: true, tls_config: { ca_file: caFile, server_name: servernameOf(0, kind) } },
      },
    ]),
  );
}

/** One /probe per endpoint, with the module of the certificate kind it serves. */
export function blackboxProbes(targets: Target[]): BlackboxProbe[] {
  return targets.map((t, i) => ({ module: `tls_${KINDS[i % KINDS.length]}`, target: `${t.address}:${t.port}` }));
}
