import { createHash } from 'node:crypto';
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { BadInputError, DependencyError, type OpsError } from '../../core/errors/index.js';
import { listingBounds, type ObjectInfo, type ObjectStore } from './object-store.js';
import { mapS3Error, s3Status } from './s3-errors.js';
import { uploadStream } from './s3-upload.js';
import { assertObjectKey } from './store-url.js';
import { deadline, guardStream } from './stream-guard.js';

/** How to reach one S3 or S3-compatible (Aliyun OSS, MinIO) bucket. */
export interface S3ObjectStoreOptions {
  bucket: string;
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  /** Static keys, `'none'` for unsigned requests, or absent for the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | 'none';
  /** Bound on each request until its response headers arrive, and on socket idleness (default 30 s). */
  timeoutMs?: number;
  /** ListObjectsV2 page size (default 1000). */
  pageSize?: number;
  /** The most objects one listing gathers before it is refused (default 250,000: `MAX_LISTED_OBJECTS`). */
  maxObjects?: number;
  /** Part size for streamed writes (default 8 MiB, at least 5 MiB as S3 requires). */
  partSize?: number;
  /** A custom agent, for proxies or DNS overrides. */
  agent?: HttpAgent | HttpsAgent;
}

function hexFromBase64(value: string | undefined): string | undefined {
  // Composite multipart checksums end in "-N" and are not a digest of the whole object.
  if (!value || value.includes('-')) return undefined;
  return Buffer.from(value, 'base64').toString('hex');
}

/** The MD5 hidden in an ETag, as base64; undefined for multipart (`…-N`) or KMS-encrypted objects. */
export function md5FromEtag(etag: string | undefined, encryption?: string): string | undefined {
  const bare = etag?.replaceAll('"', '');
  if (!bare || !/^[0-9a-f]{32}$/i.test(bare) || encryption === 'aws:kms' || encryption === 'aws:kms:dsse') return;
  return Buffer.from(bare, 'hex').toString('base64');
}

/** An object store over one S3 bucket, loading `@aws-sdk/client-s3` on first use. */
export class S3ObjectStore implements ObjectStore {
  private client?: Promise<{ client: S3Client; sdk: typeof import('@aws-sdk/client-s3') }>;
  private readonly timeoutMs: number;

  /** Keeps the options; nothing is loaded or connected until the first call. */
  constructor(private readonly options: S3ObjectStoreOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    if ((options.partSize ?? 8 * 1024 * 1024) < 5 * 1024 * 1024) {
      throw new BadInputError(`s3 store "${options.bucket}": partSize must be at least 5 MiB`);
    }
  }

  private async sdk(): Promise<{ client: S3Client; sdk: typeof import('@aws-sdk/client-s3') }> {
    this.client ??= import('@aws-sdk/client-s3').then((sdk) => {
      const o = this.options;
      const client = new sdk.S3Client({
        region: o.region ?? 'us-east-1',
        // Without a configured region, a bucket elsewhere answers 301; follow it rather than fail the run.
        followRegionRedirects: o.region === undefined,
        ...(o.endpoint ? { endpoint: o.endpoint } : {}),
        forcePathStyle: o.forcePathStyle ?? false,
        ...(o.credentials === 'none'
          ? { credentials: { accessKeyId: '', secretAccessKey: '' }, signer: { sign: async (request) => request } }
          : o.credentials
            ? { credentials: o.credentials }
            : {}),
        // S3-compatible stores reject the newer default trailing checksums; we send Content-MD5 instead.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        requestHandler: {
          connectionTimeout: this.timeoutMs,
          socketTimeout: this.timeoutMs,
          ...(o.agent ? { httpAgent: o.agent as HttpAgent, httpsAgent: o.agent as HttpsAgent } : {}),
        },
      });
      return { client, sdk };
    });
    return this.client;
  }

  private target(key = ''): string {
    return `s3://${this.options.bucket}/${key}`;
  }

  /** Runs one command under the per-request deadline and maps its failure. */
  private async call<T>(
    action: string,
    key: string,
    signal: AbortSignal | undefined,
    run: (client: S3Client, sdk: typeof import('@aws-sdk/client-s3'), abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const { client, sdk } = await this.sdk();
    const limit = deadline(this.timeoutMs, signal);
    try {
      return await run(client, sdk, limit.signal);
    } catch (error) {
      throw mapS3Error(error, action, this.target(key), limit.timedOut());
    } finally {
      limit.clear();
    }
  }

  async list(prefix: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    const bounds = listingBounds(this.target(prefix), this.options.maxObjects);
    let token: string | undefined;
    do {
      const page = await this.call('list', prefix, options.signal, (client, sdk, abortSignal) =>
        client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.options.bucket,
            Prefix: prefix,
            MaxKeys: this.options.pageSize ?? 1000,
            ...(token ? { ContinuationToken: token } : {}),
          }),
          { abortSignal },
        ),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined || o.Key.endsWith('/')) continue;
        out.push({
          key: o.Key,
          bytes: o.Size ?? 0,
          updated: o.LastModified ?? new Date(0),
          ...(o.ETag ? { etag: o.ETag.replaceAll('"', '') } : {}),
        });
      }
      if (page.IsTruncated && !page.NextContinuationToken) {
        throw mapS3Error(new Error('truncated listing without a continuation token'), 'list', this.target(prefix));
      }
      token = bounds(out.length, page.IsTruncated ? page.NextContinuationToken : undefined);
    } while (token);
    return out;
  }

  async stat(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo | undefined> {
    assertObjectKey(key);
    try {
      const head = await this.call('stat', key, options.signal, (client, sdk, abortSignal) =>
        client.send(new sdk.HeadObjectCommand({ Bucket: this.options.bucket, Key: key, ChecksumMode: 'ENABLED' }), {
          abortSignal,
        }),
      );
      const md5 = md5FromEtag(head.ETag, head.ServerSideEncryption);
      const sha256 = hexFromBase64(head.ChecksumSHA256);
      return {
        key,
        bytes: head.ContentLength ?? 0,
        updated: head.LastModified ?? new Date(0),
        ...(head.ETag ? { etag: head.ETag.replaceAll('"', '') } : {}),
        ...(md5 ? { md5 } : {}),
        ...(sha256 ? { sha256 } : {}),
      };
    } catch (error) {
      // HEAD has no body, so a missing bucket also reads as 404 here; list and read tell the two apart.
      if ((error as OpsError).kind === 'notFound' && s3Status((error as OpsError).cause) === 404) return undefined;
      throw error;
    }
  }

  async read(key: string, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    assertObjectKey(key);
    const got = await this.call('read', key, options.signal, (client, sdk, abortSignal) =>
      client.send(new sdk.GetObjectCommand({ Bucket: this.options.bucket, Key: key }), { abortSignal }),
    );
    // On Node the SDK hands back the response itself (an IncomingMessage); anything else means a foreign runtime.
    if (!(got.Body instanceof Readable)) {
      throw new DependencyError(`read ${this.target(key)}: the response carried no readable body`);
    }
    return guardStream(got.Body, (error) => mapS3Error(error, 'read', this.target(key)), options.signal);
  }

  async write(
    key: string,
    body: Buffer | string | Readable,
    options: { contentType?: string; signal?: AbortSignal } = {},
  ): Promise<void> {
    assertObjectKey(key);
    const put = (buffer: Buffer) =>
      this.call('write', key, options.signal, (client, sdk, abortSignal) =>
        client.send(
          new sdk.PutObjectCommand({
            Bucket: this.options.bucket,
            Key: key,
            Body: buffer,
            ContentLength: buffer.length,
            ContentMD5: createHash('md5').update(buffer).digest('base64'),
            ...(options.contentType ? { ContentType: options.contentType } : {}),
          }),
          { abortSignal },
        ),
      );
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      await put(Buffer.from(body));
      return;
    }
    await uploadStream({
      body,
      partSize: this.options.partSize ?? 8 * 1024 * 1024,
      single: async (buffer) => {
        await put(buffer);
      },
      call: (action, run, detached) => this.call(action, key, detached ? undefined : options.signal, run),
      bucket: this.options.bucket,
      key,
      ...(options.contentType ? { contentType: options.contentType } : {}),
    });
  }

  async delete(key: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    assertObjectKey(key);
    try {
      await this.call('delete', key, options.signal, (client, sdk, abortSignal) =>
        client.send(new sdk.DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }), { abortSignal }),
      );
    } catch (error) {
      if ((error as OpsError).details?.code === 'NoSuchKey') return;
      throw error;
    }
  }
}
