import { BadInputError } from '../errors/index.js';

/** Where a Redis server is and how to sign in to it, as a `redis://` or `rediss://` URL says. */
export interface RedisEndpoint {
  host: string;
  port: number;
  /** `rediss://`: TLS, the server's certificate verified against the given CA or the system CAs. */
  tls: boolean;
  username?: string;
  password?: string;
  /** The logical database `SELECT`ed on every connection. */
  db: number;
}

/** The host and port of a Redis URL without its credentials, safe for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'redis://(unparseable URL)';
  }
}

/**
 * Reads a `redis://` or `rediss://` URL: `[user][:password]@host[:port][/db]`, credentials
 * percent-decoded. Anything else it could carry (query parameters, a fragment) is refused rather
 * than ignored; the error says what was wrong and never repeats the password.
 */
export function parseRedisUrl(url: string, field = 'state.redis'): RedisEndpoint {
  const read = readRedisUrl(url);
  if (typeof read === 'string') throw new BadInputError(`${field}: ${read}`);
  return read;
}

/** What is wrong with a Redis URL, or undefined when `parseRedisUrl` would accept it. */
export function redisUrlProblem(url: string): string | undefined {
  const read = readRedisUrl(url);
  return typeof read === 'string' ? read : undefined;
}

function readRedisUrl(url: string): RedisEndpoint | string {
  const safe = redactRedisUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${safe} is not a URL`;
  }
  const tls = parsed.protocol === 'rediss:';
  if (!tls && parsed.protocol !== 'redis:') return `${safe} is not a redis:// or rediss:// URL`;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return `${safe} names no host`;
  const db = /^\/?$/.test(parsed.pathname) ? '0' : /^\/(\d{1,5})$/.exec(parsed.pathname)?.[1];
  if (db === undefined) return `${safe}: the path must be a database number, as /0`;
  if (parsed.search !== '' || parsed.hash !== '') {
    const names = [...parsed.searchParams.keys()].join(', ') || parsed.hash;
    return `${safe}: options in the URL are not supported (${names})`;
  }
  const username = decodeCredential(parsed.username);
  const password = decodeCredential(parsed.password);
  if (username === undefined) return `${safe}: the user name is not percent-encoded correctly`;
  if (password === undefined) return `${safe}: the password is not percent-encoded correctly`;
  return {
    host,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    tls,
    db: Number(db),
    ...(username === '' ? {} : { username }),
    ...(password === '' ? {} : { password }),
  };
}

function decodeCredential(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
