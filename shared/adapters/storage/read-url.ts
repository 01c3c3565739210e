import type { Readable } from 'node:stream';
import { BadInputError, NotFoundError, TooLargeError } from '../../core/errors/index.js';
import { collectBounded } from './collect.js';
import type { StoreLocation } from './object-store.js';
import { type OpenObjectStoreOptions, openObjectStore } from './open-object-store.js';
import { formatStoreUrl } from './store-url.js';

function objectKey(url: string, location: StoreLocation): string {
  if (location.prefix === '' || location.prefix.endsWith('/')) {
    throw new BadInputError(`store URL "${url}": expected the URL of one object, not of a directory or prefix`);
  }
  return location.prefix;
}

/**
 * Reads one whole object (a config file, a small report) into memory, refusing anything over `maxBytes`.
 * @example const yaml = await readUrl('gs://ops-config/opsfn.yaml', { maxBytes: 1024 * 1024 });
 */
export async function readUrl(
  url: string,
  options: OpenObjectStoreOptions & { maxBytes: number; signal?: AbortSignal },
): Promise<Buffer> {
  const { store, location } = await openObjectStore(url, options);
  const key = objectKey(url, location);
  const signal = options.signal ? { signal: options.signal } : {};
  const info = await store.stat(key, signal);
  if (!info) throw new NotFoundError(`${formatStoreUrl(location)}: no such object`);
  const tooLarge = (bytes: number) =>
    new TooLargeError(`${formatStoreUrl(location)}: ${bytes} bytes exceeds the limit of ${options.maxBytes}`, {
      details: { url, maxBytes: options.maxBytes },
    });
  if (info.bytes > options.maxBytes) throw tooLarge(info.bytes);
  const stream = await store.read(key, signal);
  return collectBounded(stream, options.maxBytes, tooLarge);
}

/**
 * Writes one object (a run report, an exported result) to the URL's store.
 * @example await writeUrl('s3://ops-reports/backup/2026-11-22.json', JSON.stringify(envelope), { contentType: 'application/json' });
 */
export async function writeUrl(
  url: string,
  body: Buffer | string | Readable,
  options: OpenObjectStoreOptions & { contentType?: string; signal?: AbortSignal } = {},
): Promise<void> {
  const { store, location } = await openObjectStore(url, options);
  const { contentType, signal } = options;
  await store.write(objectKey(url, location), body, {
    ...(contentType ? { contentType } : {}),
    ...(signal ? { signal } : {}),
  });
}
