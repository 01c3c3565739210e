import { BlockList, isIP } from 'node:net';

/**
 * The proxies `opsfn serve` sits behind (`--trusted-proxy`): an ingress, a load balancer. Only a request whose
 * connection comes from one of them has its `X-Forwarded-For` read; from anyone else the header is ignored, since
 * a client can write whatever it likes there.
 */
export interface TrustedProxies {
  /** Whether `address` (as a socket or `X-Forwarded-For` gives it) is one of the proxies. */
  has(address: string): boolean;
}

/** `::ffff:192.0.2.7` (an IPv4 peer on a dual-stack socket) as `192.0.2.7`; other addresses as they are. */
function plain(address: string): string {
  return /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)?.[1] ?? address;
}

/**
 * The proxies given as addresses or CIDR ranges (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1`); throws naming the first
 * that is neither.
 */
export function trustedProxies(ranges: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const range of ranges) {
    const [address = '', prefix, extra] = range.trim().split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? undefined : Number(prefix);
    const max = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      extra !== undefined ||
      (bits !== undefined && (!/^\d{1,3}$/.test(prefix ?? '') || (bits as number) > max))
    ) {
      throw new Error(`--trusted-proxy ${range}: expected an IP address or a CIDR range like 10.0.0.0/8 or fd00::/8`);
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
  }
  return {
    has(address) {
      const ip = plain(address);
      const family = isIP(ip);
      return family !== 0 && list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

/** An `X-Forwarded-For` entry as an address: `[2001:db8::1]:443` and `192.0.2.7:443` without their port. */
function entryAddress(entry: string): string | undefined {
  const text = entry.trim();
  if (isIP(text)) return text;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text)?.[1];
  if (bracketed && isIP(bracketed) === 6) return bracketed;
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text)?.[1];
  return withPort && isIP(withPort) === 4 ? withPort : undefined;
}

/**
 * The address a request came from: the socket's, or, when the socket is a trusted proxy, the nearest
 * `X-Forwarded-For` entry (read from the right, where each proxy appends the address it was reached from) that is
 * not a trusted proxy itself. An entry that is not an address ends the walk at the last proxy, so a forged value
 * can only count against the proxy, never become a fresh name to count under.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
  proxies: TrustedProxies | undefined,
): string {
  let client = socketAddress ?? 'unknown';
  if (!proxies || !forwardedFor) return client;
  const hops = forwardedFor.split(',').reverse();
  for (const hop of hops) {
    if (!proxies.has(client)) return client;
    const address = entryAddress(hop);
    if (address === undefined) return client;
    client = address;
  }
  return client;
}
