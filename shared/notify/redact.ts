/** Replaces every occurrence of a secret in a text with `[redacted]`. */
export type Redactor = (text: string) => string;

const MARK = '[redacted]';
// A URL secret can surface without its host (an error quoting the request path): hide the path too.
const MIN_PATH_LENGTH = 8;

function variants(secret: string): string[] {
  const out = new Set<string>([secret, encodeURIComponent(secret)]);
  try {
    const url = new URL(secret);
    const path = `${url.pathname}${url.search}`;
    if (path.length >= MIN_PATH_LENGTH) out.add(path);
  } catch {
    // Not a URL: the raw and encoded forms are enough.
  }
  return [...out];
}

/**
 * Builds a redactor for the given secret values (raw, URL-encoded and, for URLs, their path).
 * @example createRedactor(['https://hooks.slack.com/services/T/B/X'])('POST https://hooks.slack.com/services/T/B/X') // 'POST [redacted]'
 */
export function createRedactor(secrets: readonly string[]): Redactor {
  const needles = [...new Set(secrets.filter((s) => s.length > 0).flatMap(variants))].sort(
    (a, b) => b.length - a.length,
  );
  return (text) => {
    let out = text;
    for (const needle of needles) out = out.split(needle).join(MARK);
    return out;
  };
}
