import { fileURLToPath } from 'node:url';
import { BadInputError } from '../../core/errors/index.js';
import type { StoreLocation } from './object-store.js';

const BUCKET_URL = /^(gs|s3):\/\/([^/]*)(?:\/(.*))?$/s;
// GCS allows up to 222 characters with dots and underscores; S3 and OSS are stricter but a subset of this.
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

function badUrl(url: string, why: string): BadInputError {
  return new BadInputError(
    `store URL "${url}": ${why}; expected gs://bucket/prefix/, s3://bucket/prefix/ or file:///absolute/dir/`,
    { details: { url } },
  );
}

function parseFileUrl(url: string): StoreLocation {
  if (!/^file:\/\/(localhost)?\//.test(url)) throw badUrl(url, 'a file URL needs an absolute path (file:///dir/)');
  let path: string;
  // The URL parser silently resolves "..", so look at the raw text: a config naming ../ is a mistake worth refusing.
  if (/(^|\/)(\.|%2e){2}(\/|$)/i.test(url)) throw badUrl(url, 'the path must not contain ".."');
  try {
    path = fileURLToPath(url);
  } catch (error) {
    throw badUrl(url, error instanceof Error ? error.message : 'not a file URL');
  }
  if (/[?#]/.test(url)) throw badUrl(url, 'query strings and fragments are not allowed');
  // The last path segment is a key prefix (or a file name), like the part after the bucket in gs:// URLs.
  const cut = path.lastIndexOf('/');
  const bucket = path.slice(0, cut) || '/';
  return { scheme: 'file', bucket, prefix: path.slice(cut + 1) };
}

/**
 * Parses a store URL into scheme, bucket (for `file://`, the directory) and key prefix; errors name the URL.
 * @example parseStoreUrl('s3://dumps/pg/') // { scheme: 's3', bucket: 'dumps', prefix: 'pg/' }
 */
export function parseStoreUrl(url: string): StoreLocation {
  if (typeof url !== 'string' || url.trim() === '') throw badUrl(String(url), 'empty');
  if (url.startsWith('file:')) return parseFileUrl(url);
  const m = BUCKET_URL.exec(url);
  if (!m) throw badUrl(url, 'unsupported scheme');
  const scheme = m[1] as 'gs' | 's3';
  const bucket = m[2] ?? '';
  const prefix = m[3] ?? '';
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw badUrl(url, `"${bucket}" is not a valid bucket name (3-222 of a-z 0-9 . _ -)`);
  }
  if (prefix.startsWith('/')) throw badUrl(url, 'the prefix must not start with "/"');
  if (prefix.includes('\0')) throw badUrl(url, 'the prefix must not contain NUL');
  return { scheme, bucket, prefix };
}

/** Formats a location back into its URL, with `key` appended to the prefix when given. */
export function formatStoreUrl(location: StoreLocation, key = ''): string {
  if (location.scheme === 'file') {
    const dir = location.bucket.endsWith('/') ? location.bucket : `${location.bucket}/`;
    return `file://${dir}${location.prefix}${key}`;
  }
  return `${location.scheme}://${location.bucket}/${location.prefix}${key}`;
}

/** Rejects keys no store should accept: empty, absolute, with NUL, or with a `..` segment that could escape a root. */
export function assertObjectKey(key: string): string {
  if (typeof key !== 'string' || key === '') throw new BadInputError('object key: expected a non-empty string');
  if (key.startsWith('/'))
    throw new BadInputError(`object key "${key}": expected a relative key, not starting with "/"`);
  if (key.includes('\0')) throw new BadInputError(`object key "${key}": must not contain NUL`);
  if (key.split('/').includes('..')) throw new BadInputError(`object key "${key}": must not contain a ".." segment`);
  if (Buffer.byteLength(key) > 1024)
    throw new BadInputError(`object key "${key.slice(0, 40)}…": longer than 1024 bytes`);
  return key;
}
