import type { Readable } from 'node:stream';
import { DependencyError, TooLargeError } from '../../core/errors/index.js';

/** Metadata of one stored object; checksums as the store gives them (hex for sha256, base64 for md5/crc32c). */
export interface ObjectInfo {
  key: string;
  bytes: number;
  updated: Date;
  md5?: string;
  crc32c?: string;
  sha256?: string;
  etag?: string;
}

/**
 * The object-store port: GCS, S3 and S3-compatible stores (Aliyun OSS, MinIO) and local
 * directories behind one small interface. Keys are relative to the store's bucket (or root dir).
 */
export interface ObjectStore {
  /** Lists every object under `prefix`, following pagination. */
  list(prefix: string, options?: { signal?: AbortSignal }): Promise<ObjectInfo[]>;
  /** Metadata of one object; undefined when it does not exist. */
  stat(key: string, options?: { signal?: AbortSignal }): Promise<ObjectInfo | undefined>;
  /** Streams an object's bytes. */
  read(key: string, options?: { signal?: AbortSignal }): Promise<Readable>;
  /** Writes an object from a buffer, string or stream. */
  write(
    key: string,
    body: Buffer | string | Readable,
    options?: { contentType?: string; signal?: AbortSignal },
  ): Promise<void>;
  /** Deletes an object; no error when it is already gone. */
  delete(key: string, options?: { signal?: AbortSignal }): Promise<void>;
}

/** A parsed store URL: `gs://bucket/prefix/`, `s3://bucket/prefix/`, `file:///dir/`. */
export interface StoreLocation {
  scheme: 'gs' | 's3' | 'file';
  bucket: string;
  prefix: string;
}

/** The most objects one listing gathers by default: a prefix holding more is no backup folder, and would fill memory. */
export const MAX_LISTED_OBJECTS = 250_000;

/**
 * The bounds of one paginated listing of `target`: called after each page with the objects gathered so far and
 * the token of the next page, it returns that token, or throws when the listing passed `maxObjects` or the store
 * handed back a token it gave before (a store looping on one page would otherwise list until memory ran out).
 */
export function listingBounds(
  target: string,
  maxObjects = MAX_LISTED_OBJECTS,
): (listed: number, next: string | undefined) => string | undefined {
  const seen = new Set<string>();
  return (listed, next) => {
    if (listed > maxObjects) {
      throw new TooLargeError(`listing ${target} passed ${maxObjects} objects; point it at a narrower prefix`, {
        details: { target, maxObjects },
      });
    }
    if (next === undefined || next === '') return undefined;
    if (seen.has(next)) {
      throw new DependencyError(
        `listing ${target}: the store sent a page token it had sent before, so it would never end`,
        {
          retryable: false,
          details: { target },
        },
      );
    }
    seen.add(next);
    return next;
  };
}
