/** A secret written as a literal value in the config; `url` when the whole URL (its path included) is the secret. */
export interface LiteralSecret {
  value: string;
  url: boolean;
}

// Header values that are plainly not credentials; every other literal header value is treated as one.
const PLAIN_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'content-type',
  'user-agent',
]);

function hasCredentials(value: string): boolean {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return false;
  try {
    const url = new URL(value);
    if (url.password !== '') return true;
    return [...url.searchParams.keys()].some((name) => /password|passwd|pwd|token|secret|key/i.test(name));
  } catch {
    return false;
  }
}

/**
 * Every secret the config holds as a literal instead of a reference: URLs with a password or a
 * credential parameter (databases, scratch servers, Redis, `connect`), webhook channel URLs and
 * header values other than plain ones (`content-type`, `accept`…). The runtime registers them with
 * the redactor at load, so they are scrubbed like resolved secrets.
 * @example literalSecrets({ databases: { main: { kind: 'postgres', url: 'postgres://u:pw@db/app' } } }) // [{ value: 'postgres://u:pw@db/app', url: false }]
 */
export function literalSecrets(config: unknown): LiteralSecret[] {
  const found = new Map<string, LiteralSecret>();
  const note = (value: string, url: boolean) => {
    if (value.length > 0 && !found.get(value)?.url) found.set(value, { value, url });
  };
  const walk = (value: unknown, key: string | undefined, parentKey: string | undefined) => {
    if (typeof value === 'string') {
      if (parentKey === 'headers' && key !== undefined && !PLAIN_HEADERS.has(key.toLowerCase())) note(value, false);
      else if (hasCredentials(value)) note(value, false);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, undefined, key);
      return;
    }
    const record = value as Record<string, unknown>;
    // A webhook channel's URL is its credential, whatever its shape.
    if (record.type === 'webhook' && typeof record.url === 'string') note(record.url, true);
    for (const [k, v] of Object.entries(record)) walk(v, k, key);
  };
  walk(config, undefined, undefined);
  return [...found.values()];
}
