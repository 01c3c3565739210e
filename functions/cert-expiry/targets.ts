import { NotFoundError } from '../../shared/core/errors/index.js';
import { describeSome } from '../../shared/core/run/index.js';
import type { Certificates } from './config.js';
import type { Target } from './types.js';

function label(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const unqualified = (name: string) => (name.length > 1 && name.endsWith('.') ? name.slice(0, -1) : name);

/** Every configured endpoint with its defaults resolved. */
export function targetsOf(section: Certificates): Target[] {
  return section.endpoints.map((e) => {
    // A fully qualified name's trailing dot is no part of the name a certificate carries nor of SNI (RFC 6066
    // §3: "without a trailing dot"); Node's own client drops it too.
    const servername = unqualified('servername' in e && e.servername ? e.servername : e.host);
    const caFiles = [section.caFile, 'caFile' in e ? e.caFile : undefined].filter((f): f is string => !!f);
    return {
      endpoint: label(e.host, e.port),
      host: e.host,
      port: e.port,
      servername,
      ...('address' in e && e.address ? { address: e.address } : {}),
      protocol: e.protocol,
      caFiles,
    };
  });
}

/**
 * Keeps the targets a request names (`host:port`, `host`, or a servername); a name that matches no
 * configured endpoint is an error so a typo never passes as "all fine".
 */
export function selectTargets(targets: Target[], names: readonly string[] | undefined): Target[] {
  if (!names || names.length === 0) return targets;
  const unknown = names.filter((n) => !targets.some((t) => matches(t, n)));
  if (unknown.length > 0) {
    throw new NotFoundError(`endpoints: not in certificates.endpoints: ${describeSome(unknown)}`, {
      details: { unknown: unknown.slice(0, 20) },
    });
  }
  return targets.filter((t) => names.some((n) => matches(t, n)));
}

function matches(target: Target, name: string): boolean {
  return name === target.endpoint || name === target.host || name === target.servername;
}
