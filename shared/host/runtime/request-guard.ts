import { isIP } from 'node:net';

/** Why a request was refused before anything looked at its credentials or body. */
export interface Refusal {
  status: 403 | 415 | 421;
  error: 'forbidden' | 'unsupportedMediaType' | 'misdirectedRequest';
  message: string;
}

/** What the guard knows about the server: whether it listens on loopback only. */
export interface GuardOptions {
  loopback: boolean;
  /** The `Host` names the server answers to (any port); others are refused, as a loopback bind refuses. */
  hosts?: readonly string[] | undefined;
}

// Media types a browser cannot send without a CORS preflight, which opsfn never grants.
const JSON_TYPES = new Set(['application/json', 'application/cloudevents+json']);

/** Whether a host name or address (without port) is this machine: `localhost`, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const name = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return isIP(name) === 6 && (name === '::1' || name === '0:0:0:0:0:0:0:1');
}

// A name or an IPv4/bracketed IPv6 address with an optional port; nothing URL parsing would reinterpret (`a@b`).
const HOST_HEADER = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function hostOf(value: string | undefined): URL | undefined {
  if (!value || !HOST_HEADER.test(value)) return undefined;
  try {
    return new URL(`http://${value}`);
  } catch {
    return undefined;
  }
}

function originMatches(origin: string, host: URL | undefined): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (!host || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname !== host.hostname) return false;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  // A Host without a port (or with :80, which URL elides) means the default port of whichever scheme.
  return host.port === '' ? port === '80' || port === '443' : port === host.port;
}

/**
 * Refuses what a web page could make a browser send: a `Host` that is not this machine while bound
 * to loopback, or not one of the names the server was given (DNS rebinding, 421), an `Origin` other than the server's own or `Sec-Fetch-Site:
 * cross-site|same-site` (403), and a POST whose body is not JSON (415: a `no-cors` page can only send
 * `text/plain`, form or multipart bodies). Unwrapped Pub/Sub pushes carry their message in any media
 * type; they are recognised by a header no page can send without a preflight.
 */
export function guardRequest(
  method: string,
  headers: Record<string, string | undefined>,
  options: GuardOptions,
): Refusal | undefined {
  const host = hostOf(headers.host);
  if (options.loopback && !(host && isLoopbackHost(host.hostname))) {
    return {
      status: 421,
      error: 'misdirectedRequest',
      message: 'this server listens on loopback and answers only to a loopback Host (localhost, 127.0.0.1, [::1])',
    };
  }
  const named = options.hosts ?? [];
  if (named.length > 0 && !(host && named.some((h) => h.toLowerCase() === host.hostname.toLowerCase()))) {
    return {
      status: 421,
      error: 'misdirectedRequest',
      // Not which names: an unauthenticated client would learn the internal ones.
      message: 'this server answers only to the Host names it was given (--allowed-host)',
    };
  }
  const origin = headers.origin;
  if (origin !== undefined && !originMatches(origin, host)) {
    return { status: 403, error: 'forbidden', message: 'cross-origin requests are refused' };
  }
  const site = headers['sec-fetch-site']?.trim().toLowerCase();
  if (site === 'cross-site' || site === 'same-site') {
    return { status: 403, error: 'forbidden', message: 'cross-site requests are refused' };
  }
  if (method !== 'POST' || headers['x-goog-pubsub-message-id'] !== undefined) return undefined;
  const type = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!JSON_TYPES.has(type)) {
    return {
      status: 415,
      error: 'unsupportedMediaType',
      message: `expected Content-Type: application/json (or application/cloudevents+json), got ${type ? JSON.stringify(type.slice(0, 100)) : 'none'}`,
    };
  }
  return undefined;
}
