import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { errorMessage } from '../../shared/core/errors/index.js';

/** Resolves a host name to every A and AAAA address; the real resolver by default, a fake in tests. */
export type Lookup = (host: string) => Promise<string[]>;

/** The system resolver (getaddrinfo, so /etc/hosts counts), every address family. */
export const systemLookup: Lookup = async (host) => {
  const records = await dnsLookup(host, { all: true, verbatim: true });
  return records.map((r) => r.address);
};

/** A name that could not be resolved, with the resolver's own reason. */
export class ResolveError extends Error {
  override readonly name = 'ResolveError';
}

/**
 * Every distinct address of `host`, bounded by `timeoutMs` and by `signal` (the run's deadline): an IP resolves
 * to itself, a lookup that errors, hangs, finds nothing or outlasts the run throws ResolveError.
 */
export async function resolveAddresses(
  host: string,
  lookup: Lookup,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string[]> {
  if (isIP(host)) return [host];
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const bounds = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ResolveError(`DNS lookup of ${host} took longer than ${timeoutMs}ms`)),
      timeoutMs,
    );
    onAbort = () => reject(new ResolveError(`run deadline reached during the DNS lookup of ${host}`));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const addresses = await Promise.race([lookup(host), bounds]);
    const unique = [...new Set(addresses)];
    if (unique.length === 0) throw new ResolveError(`${host} has no A or AAAA record`);
    return unique;
  } catch (error) {
    if (error instanceof ResolveError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ResolveError(`cannot resolve ${host}: ${code ?? errorMessage(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
