import type { ResultEnvelope } from './types.js';

/**
 * Bounds on one result: lists keep their first 1,000 entries, texts their first 4,000 characters,
 * the envelope stays under 2 MiB (an HTTP reply, a state record of at most 4 MiB) and a report
 * under 8 MiB, whatever the run produced. What is left out is counted, never silently dropped.
 */
export const ResultLimits = {
  listEntries: 1000,
  textLength: 4000,
  bytes: 2 * 1024 * 1024,
  reportBytes: 8 * 1024 * 1024,
} as const;

/** A list cut to its bounds: the entries kept and how many were left out. */
export interface BoundedList<T> {
  kept: T[];
  omitted: number;
}

/** The fields every envelope has; any other is a function's own extra (a drill's `rto`, a report's URL). */
export const ENVELOPE_FIELDS: ReadonlySet<string> = new Set([
  'function',
  'runId',
  'trigger',
  'dryRun',
  'startedAt',
  'finishedAt',
  'outcome',
  'summary',
  'items',
  'actions',
  'notifications',
  'state',
  'error',
  'accepted',
  'duplicate',
  'omitted',
]);

const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/** The first entries of `list` that fit in `maxEntries` and, serialized as JSON, in `maxBytes`. */
export function boundList<T>(
  list: readonly T[],
  maxEntries: number,
  maxBytes = Number.POSITIVE_INFINITY,
): BoundedList<T> {
  const kept: T[] = [];
  let bytes = 2;
  for (const entry of list) {
    if (kept.length >= maxEntries) break;
    bytes += jsonBytes(entry) + 1;
    if (bytes > maxBytes) break;
    kept.push(entry);
  }
  return { kept, omitted: list.length - kept.length };
}

/** `text` cut to `max` characters, saying how many more there were. */
export function boundText(text: string, max: number = ResultLimits.textLength): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/**
 * The envelope within {@link ResultLimits}: lists cut to their length, then `scrub` (the redactor,
 * before any text is cut, so no cut leaves half a secret), then texts cut, items dropped from the
 * end and oversized extra fields replaced by their size until it fits. `omitted` counts what was cut.
 */
export function boundEnvelope(
  envelope: ResultEnvelope,
  scrub: (envelope: ResultEnvelope) => ResultEnvelope = (e) => e,
  limits = ResultLimits,
): ResultEnvelope {
  const omitted: Record<string, number> = {};
  const cut = <T>(key: string, list: readonly T[], maxBytes?: number): T[] => {
    const bounded = boundList(list, limits.listEntries, maxBytes);
    if (bounded.omitted > 0) omitted[key] = (omitted[key] ?? 0) + bounded.omitted;
    return bounded.kept;
  };
  const listed = scrub({
    ...envelope,
    items: cut('items', envelope.items),
    actions: cut('actions', envelope.actions),
    notifications: cut('notifications', envelope.notifications),
  });
  const out: ResultEnvelope = {
    ...listed,
    summary: boundText(listed.summary, limits.textLength),
    ...(listed.error
      ? { error: { ...listed.error, message: boundText(listed.error.message, limits.textLength) } }
      : {}),
  };
  if (jsonBytes(out) > limits.bytes) {
    const rest = jsonBytes({ ...out, items: [] });
    out.items = cut('items', out.items, Math.max(0, limits.bytes - rest - 256));
  }
  const extras = Object.keys(out)
    .filter((key) => !ENVELOPE_FIELDS.has(key))
    .map((key) => ({ key, bytes: jsonBytes(out[key]) }))
    .sort((a, b) => b.bytes - a.bytes);
  for (const { key, bytes } of extras) {
    if (jsonBytes(out) <= limits.bytes) break;
    out[key] = { omitted: `${bytes} bytes, over the ${limits.bytes}-byte result limit` };
  }
  return Object.keys(omitted).length > 0 ? { ...out, omitted: { ...omitted } } : out;
}
