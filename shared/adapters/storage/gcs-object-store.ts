import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Bucket, File, Storage } from '@google-cloud/storage';
import type { OpsError } from '../../core/errors/index.js';
import { mapGcsError, missingError } from './gcs-errors.js';
import { listingBounds, type ObjectInfo, type ObjectStore } from './object-store.js';
import { assertObjectKey } from './store-url.js';
import { deadline, guardStream } from './stream-guard.js';

/** How to reach one GCS bucket. */
export interface GcsObjectStoreOptions {
  bucket: string;
  /** API root override (a private endpoint, or a local fake). */
  apiEndpoint?: string;
  /** `'none'` sends requests unauthenticated (local fakes); otherwise Application Default Credentials. */
  credentials?: 'none' | 'default';
  projectId?: string;
  /** Bound on each request, in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Objects per list page (default 1000). */
  pageSize?: number;
  /** The most objects one listing gathers before it is refused (default 250,000: `MAX_LISTED_OBJECTS`). */
  maxObjects?: number;
}

interface GcsMetadata {
  name?: string;
  size?: string | number;
  timeCreated?: string;
  updated?: string;
  md5Hash?: string;
  crc32c?: string;
  etag?: string;
}

function toInfo(key: string, m: GcsMetadata): ObjectInfo {
  return {
    key,
    bytes: Number(m.size ?? 0),
    // When the object was written: `updated` also moves on any metadata change (a lifecycle storage-class
    // change, a hold), which would make an old dump look fresh and sort first.
    updated: new Date(m.timeCreated ?? m.updated ?? 0),
    // Composite objects have no md5Hash; crc32c is always there.
    ...(m.md5Hash ? { md5: m.md5Hash } : {}),
    ...(m.crc32c ? { crc32c: m.crc32c } : {}),
    ...(m.etag ? { etag: m.etag } : {}),
  };
}

/** An object store over one GCS bucket, loading `@google-cloud/storage` on first use. */
export class GcsObjectStore implements ObjectStore {
  private storage?: Promise<Bucket>;
  private readonly timeoutMs: number;

  /** Keeps the options; nothing is loaded or connected until the first call. */
  constructor(private readonly options: GcsObjectStoreOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  private bucket(): Promise<Bucket> {
    this.storage ??= import('@google-cloud/storage').then(({ Storage }) => {
      const o = this.options;
      const storage: Storage = new Storage({
        ...(o.apiEndpoint ? { apiEndpoint: o.apiEndpoint, useAuthWithCustomEndpoint: o.credentials !== 'none' } : {}),
        ...(o.projectId ? { projectId: o.projectId } : {}),
        timeout: this.timeoutMs,
        retryOptions: { maxRetries: 2, totalTimeout: Math.ceil((this.timeoutMs * 3) / 1000) },
      });
      return storage.bucket(o.bucket);
    });
    return this.storage;
  }

  private target(key = ''): string {
    return `gs://${this.options.bucket}/${key}`;
  }

  /** Runs one API call under the deadline; the client cannot be cancelled, so the deadline only stops our waiting. */
  private async call<T>(
    action: string,
    key: string,
    signal: AbortSignal | undefined,
    run: (bucket: Bucket) => Promise<T>,
  ): Promise<T> {
    const bucket = await this.bucket();
    const limit = deadline(this.timeoutMs * 3, signal);
    const aborted = new Promise<never>((_, reject) => {
      limit.signal.addEventListener('abort', () => reject(limit.signal.reason), { once: true });
    });
    try {
      return await Promise.race([run(bucket), aborted]);
    } catch (error) {
      const mapped = mapGcsError(error, action, this.target(key), limit.timedOut());
      if (mapped.details.missing === 'object' && !(await this.bucketExists(bucket))) {
        throw missingError(action, this.target(key), 'bucket', { cause: error });
      }
      throw mapped;
    } finally {
      limit.clear();
    }
  }

  /**
   * Whether the bucket exists, by a one-item listing: object calls cannot tell (a missing bucket answers them
   * "No such object"), and listing needs only the storage.objects.list an object reader has anyway.
   */
  private async bucketExists(bucket: Bucket): Promise<boolean> {
    try {
      await bucket.getFiles({ maxResults: 1, autoPaginate: false });
      return true;
    } catch (error) {
      return mapGcsError(error, 'list', this.target()).details.missing !== 'bucket';
    }
  }

  async list(prefix: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    const bounds = listingBounds(this.target(prefix), this.options.maxObjects);
    let pageToken: string | undefined;
    do {
      const query = {
        prefix,
        autoPaginate: false,
        maxResults: this.options.pageSize ?? 1000,
        ...(pageToken ? { pageToken } : {}),
      };
      const [files, next] = await this.call('list', prefix, options.signal, (b) => b.getFiles(query));
      // Names ending in "/" are folder placeholders the console creates, not objects.
      for (const file of files) if (!file.name.endsWith('/')) out.push(toInfo(file.name, file.metadata as GcsMetadata));
      pageToken = bounds(out.length, (next as { pageToken?: string } | null | undefined)?.pageToken);
    } while (pageToken);
    return out;
  }

  async stat(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo | undefined> {
    assertObjectKey(key);
    try {
      const [metadata] = await this.call('stat', key, options.signal, (b) => b.file(key).getMetadata());
      return toInfo(key, metadata as GcsMetadata);
    } catch (error) {
      const e = error as OpsError;
      if (e.kind === 'notFound' && e.details.missing === 'object') return undefined;
      throw error;
    }
  }

  async read(key: string, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    assertObjectKey(key);
    const stream = await this.call('read', key, options.signal, async (b) => {
      const file: File = b.file(key);
      // Validation off and no decompression: callers verify checksums of the stored bytes themselves.
      const s = file.createReadStream({ validation: false, decompress: false });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.once('response', (res: { statusCode?: number }) => {
          if ((res.statusCode ?? 0) < 300) {
            s.off('error', reject);
            resolve();
          }
        });
        s.read(0);
      });
      return s;
    });
    // The client sets no deadline once the headers are in: a body that stalls or a connection dropped without an
    // error would hang the read, so `timeoutMs` without a byte fails it.
    return guardStream(stream, (error) => mapGcsError(error, 'read', this.target(key)), options.signal, this.timeoutMs);
  }

  async write(
    key: string,
    body: Buffer | string | Readable,
    options: { contentType?: string; signal?: AbortSignal } = {},
  ): Promise<void> {
    assertObjectKey(key);
    const settings = { resumable: false, ...(options.contentType ? { contentType: options.contentType } : {}) };
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      await this.call('write', key, options.signal, (b) => b.file(key).save(Buffer.from(body), settings));
      return;
    }
    const bucket = await this.bucket();
    try {
      // Uploads are checked against the crc32c the API reports; a mismatch deletes the object and fails.
      const sink = bucket.file(key).createWriteStream(settings);
      await (options.signal ? pipeline(body, sink, { signal: options.signal }) : pipeline(body, sink));
    } catch (error) {
      throw mapGcsError(error, 'write', this.target(key));
    }
  }

  async delete(key: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    assertObjectKey(key);
    await this.call('delete', key, options.signal, (b) => b.file(key).delete({ ignoreNotFound: true }));
  }
}
