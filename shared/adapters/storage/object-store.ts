import type { Readable } from 'node:stream';

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
