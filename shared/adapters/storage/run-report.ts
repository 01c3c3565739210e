import type { ResultEnvelope } from '../../core/run/index.js';
import { type OpenObjectStoreOptions, openObjectStore } from './open-object-store.js';
import { formatStoreUrl } from './store-url.js';

const UNSAFE = /[^A-Za-z0-9._-]+/g;

function safeSegment(text: string): string {
  // Run ids can come from callers (idempotency keys); never let one add a path segment or climb out.
  const cleaned = text.replace(UNSAFE, '_').replace(/^\.+/, '_');
  return cleaned.slice(0, 120) || '_';
}

/**
 * The key of a run's report under a reports prefix: `<prefix><function>/<YYYY-MM-DD>/<HHMMSS>Z-<runId>.json`
 * (UTC), so one day of one function lists together and sorts by time.
 */
export function runReportKey(
  prefix: string,
  envelope: Pick<ResultEnvelope, 'function' | 'runId' | 'startedAt'>,
): string {
  const started = new Date(envelope.startedAt);
  const iso = Number.isNaN(started.getTime()) ? '1970-01-01T00:00:00.000Z' : started.toISOString();
  const day = iso.slice(0, 10);
  const time = iso.slice(11, 19).replaceAll(':', '');
  const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  return `${base}${safeSegment(envelope.function)}/${day}/${time}Z-${safeSegment(envelope.runId)}.json`;
}

/**
 * Writes a run's result envelope as JSON under the `reports.url` of the estate and returns the URL written.
 * @example await writeRunReport(config.reports.url, envelope, { endpoints: config.endpoints });
 */
export async function writeRunReport(
  reportsUrl: string,
  envelope: ResultEnvelope,
  options: OpenObjectStoreOptions & { signal?: AbortSignal } = {},
): Promise<string> {
  const { store, location } = await openObjectStore(reportsUrl, options);
  const key = runReportKey(location.prefix, envelope);
  await store.write(key, `${JSON.stringify(envelope, null, 2)}\n`, {
    contentType: 'application/json',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return formatStoreUrl({ ...location, prefix: '' }, key);
}
