/** What every scrubbed secret is replaced with. */
export const REDACTED = '[REDACTED]';

// Shorter values are too ambiguous to scrub: "abc" would blank out half of every log line.
const MIN_SECRET_LENGTH = 4;
// A URL secret can surface without its host (an error quoting the request path): hide the path too.
const MIN_PATH_LENGTH = 8;
// `scheme://user:password@host`: the password of any URL, registered or not.
const USERINFO_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@"'<>]*):([^\s/?#@"'<>]+)@/gi;
// Query parameters that carry credentials (`?password=…`, `&sslpassword=…`, `?token=…`).
const SECRET_PARAM = /([?&](?:[a-z_]*password|passwd|pwd|token|secret|api[_-]?key|access[_-]?key)=)([^&\s#"'<>]+)/gi;
const SECRET_PARAM_NAME = /^(?:[a-z_]*password|passwd|pwd|token|secret|api[_-]?key|access[_-]?key)$/i;

/** How a value is registered: `url` also hides its path and query, for URLs whose path is the secret (webhooks). */
export interface AddOptions {
  url?: boolean;
}

function encodings(value: string): string[] {
  const html = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1), html];
}

function parseUrl(value: string): URL | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** The parts of `value` that are secret: a URL's password and credential parameters, else the whole value. */
function secretParts(value: string, options: AddOptions): string[] {
  const url = parseUrl(value);
  if (!url) return encodings(value);
  const parts: string[] = [];
  if (url.password !== '') parts.push(url.password, decodeURIComponent(url.password));
  for (const [name, param] of url.searchParams) if (SECRET_PARAM_NAME.test(name)) parts.push(param);
  if (options.url) {
    parts.push(value);
    const path = `${url.pathname}${url.search}`;
    if (path.length >= MIN_PATH_LENGTH) parts.push(path);
  }
  // A URL with nothing secret in it, registered as a secret: the whole of it is the secret.
  if (parts.length === 0) parts.push(value);
  return parts.flatMap(encodings);
}

/**
 * The one redactor of a process: it holds every secret value (resolved references, literal secrets
 * of the config, channel URLs) and scrubs them, plus any URL's password, from log lines, envelopes,
 * state records, reports and notifications.
 * @example const r = new Redactor(['hunter22']); r.scrub('login hunter22') // 'login [REDACTED]'
 */
export class Redactor {
  readonly #secrets = new Set<string>();
  #needles: string[] | undefined;

  constructor(values: Iterable<string> = []) {
    for (const value of values) this.add(value);
  }

  /** Registers a secret value; a URL registers its password (and, with `url`, its path); values under 4 characters are ignored. */
  add(value: string, options: AddOptions = {}): void {
    for (const part of secretParts(value, options)) {
      if (part.length >= MIN_SECRET_LENGTH && !this.#secrets.has(part)) {
        this.#secrets.add(part);
        this.#needles = undefined;
      }
    }
  }

  /** Replaces every registered secret (raw, URL-encoded, JSON-escaped, HTML-escaped) and every URL password with `[REDACTED]`. */
  scrub(text: string): string {
    this.#needles ??= [...this.#secrets].sort((a, b) => b.length - a.length);
    let out = text;
    for (const needle of this.#needles) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    if (out.includes('://')) out = out.replace(USERINFO_PASSWORD, (_m, head: string) => `${head}:${REDACTED}@`);
    if (out.includes('=')) out = out.replace(SECRET_PARAM, (_m, head: string) => `${head}${REDACTED}`);
    return out;
  }

  /** A copy of a JSON-like value with every string (keys included) scrubbed; other values are kept as they are. */
  scrubValue<T>(value: T): T {
    return this.#walk(value, new WeakMap()) as T;
  }

  #walk(value: unknown, seen: WeakMap<object, unknown>): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (typeof value !== 'object' || value === null) return value;
    const done = seen.get(value);
    if (done !== undefined) return done;
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      seen.set(value, out);
      for (const item of value) out.push(this.#walk(item, seen));
      return out;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    seen.set(value, out);
    for (const [key, item] of Object.entries(value)) out[this.scrub(key)] = this.#walk(item, seen);
    return out;
  }
}
