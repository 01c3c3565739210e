import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRC32C } from '@google-cloud/storage';
import { parseMultipartRelated } from './gcs-multipart.js';

/** One stored object of the fake. */
export interface FakeGcsObject {
  body: Buffer;
  contentType: string;
  generation: number;
  /** When this generation was written: `timeCreated`, and `updated` until its metadata changes. */
  updated: Date;
  /**
   * The last change of its metadata (a lifecycle storage-class change, a hold, custom metadata), which moves
   * `updated` and not `timeCreated` (JSON API Objects resource: `updated` is "the modification time of the
   * object metadata").
   */
  metadataUpdated?: Date;
}

/**
 * A GCS JSON API fake on loopback, for `@google-cloud/storage` pointed at `apiEndpoint: url`: lists page at
 * `pageSize`, and a missing bucket answers object calls "No such object: bucket/key" as the real API does
 * (test/fakes/README.md).
 */
export interface FakeGcs {
  url: string;
  buckets: Map<string, Map<string, FakeGcsObject>>;
  /** Every request seen, as `METHOD path?query` plus its authorization header. */
  requests: { line: string; authorization?: string }[];
  createBucket(name: string): void;
  /** Makes every call on `bucket` answer 403, as when the service account lacks a role. */
  deny(bucket: string): void;
  stop(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, reason: string, message: string): void {
  sendJson(res, status, { error: { code: status, message, errors: [{ message, domain: 'global', reason }] } });
}

function crc32c(body: Buffer): string {
  const crc = new CRC32C();
  crc.update(body);
  return crc.toString();
}

function resource(bucket: string, name: string, o: FakeGcsObject): Record<string, unknown> {
  return {
    kind: 'storage#object',
    id: `${bucket}/${name}/${o.generation}`,
    selfLink: `/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`,
    name,
    bucket,
    generation: String(o.generation),
    metageneration: '1',
    contentType: o.contentType,
    storageClass: 'STANDARD',
    size: String(o.body.length),
    md5Hash: createHash('md5').update(o.body).digest('base64'),
    crc32c: crc32c(o.body),
    etag: `C${o.generation}`,
    timeCreated: o.updated.toISOString(),
    updated: (o.metadataUpdated ?? o.updated).toISOString(),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** Starts the fake on 127.0.0.1:0; `pageSize` caps list pages so pagination is always exercised. */
export async function startFakeGcs(options: { pageSize?: number } = {}): Promise<FakeGcs> {
  const buckets = new Map<string, Map<string, FakeGcsObject>>();
  const denied = new Set<string>();
  const requests: FakeGcs['requests'] = [];
  let generation = 1_700_000_000_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push({ line: `${req.method} ${url.pathname}${url.search}`, authorization: req.headers.authorization });
    const m = /^\/(upload\/)?storage\/v1\/b\/([^/]+)\/o(?:\/(.+))?$/.exec(url.pathname);
    if (!m) return sendError(res, 501, 'notImplemented', `fake GCS does not serve ${req.method} ${url.pathname}`);
    const [, upload, bucketName = '', rawName] = m;
    const name = rawName === undefined ? undefined : decodeURIComponent(rawName);
    if (denied.has(bucketName)) {
      return sendError(
        res,
        403,
        'forbidden',
        `caller does not have storage.objects access to the Google Cloud Storage bucket ${bucketName}.`,
      );
    }
    const bucket = buckets.get(bucketName);
    // Object calls on a missing bucket answer like a missing object: only bucket-level calls (list, upload)
    // say the bucket does not exist, and both carry reason notFound.
    if (!bucket && name !== undefined) return sendError(res, 404, 'notFound', `No such object: ${bucketName}/${name}`);
    if (!bucket) return sendError(res, 404, 'notFound', 'The specified bucket does not exist.');

    if (upload && req.method === 'POST' && name === undefined) {
      const type = url.searchParams.get('uploadType');
      const body = await readBody(req);
      let meta: { name?: string; contentType?: string } = {};
      let media = body;
      if (type === 'multipart') {
        const parsed = parseMultipartRelated(String(req.headers['content-type']), body);
        if (!parsed) return sendError(res, 400, 'invalid', 'malformed multipart/related body');
        meta = JSON.parse(parsed.metadata.toString('utf8')) as typeof meta;
        media = parsed.media;
        meta.contentType ??= parsed.mediaType;
        meta.name ??= url.searchParams.get('name') ?? undefined;
      } else if (type === 'media') {
        meta = { name: url.searchParams.get('name') ?? '', contentType: String(req.headers['content-type'] ?? '') };
      } else {
        return sendError(res, 501, 'notImplemented', `fake GCS does not support uploadType=${type}`);
      }
      if (!meta.name) return sendError(res, 400, 'required', 'Required: object name');
      const object = {
        body: media,
        contentType: meta.contentType || 'application/octet-stream',
        generation: ++generation,
        updated: new Date(),
      };
      bucket.set(meta.name, object);
      return sendJson(res, 200, resource(bucketName, meta.name, object));
    }
    if (name === undefined && req.method === 'GET') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const limit = Math.min(Number(url.searchParams.get('maxResults') ?? 1000), options.pageSize ?? 2);
      const after = Buffer.from(url.searchParams.get('pageToken') ?? '', 'base64url').toString('utf8');
      const names = [...bucket.keys()].filter((n) => n.startsWith(prefix) && n > after).sort();
      const page = names.slice(0, limit);
      const more = names.length > limit;
      return sendJson(res, 200, {
        kind: 'storage#objects',
        items: page.map((n) => resource(bucketName, n, bucket.get(n)!)),
        ...(more ? { nextPageToken: Buffer.from(page.at(-1)!, 'utf8').toString('base64url') } : {}),
      });
    }
    const object = name === undefined ? undefined : bucket.get(name);
    if (name === undefined || !object) return sendError(res, 404, 'notFound', `No such object: ${bucketName}/${name}`);
    if (req.method === 'DELETE') {
      bucket.delete(name);
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'GET') return sendError(res, 501, 'notImplemented', `fake GCS does not serve ${req.method}`);
    if (url.searchParams.get('alt') !== 'media') return sendJson(res, 200, resource(bucketName, name, object));
    const meta = resource(bucketName, name, object);
    res.writeHead(200, {
      'content-type': object.contentType,
      'content-length': object.body.length,
      'x-goog-hash': `crc32c=${meta.crc32c},md5=${meta.md5Hash}`,
      'x-goog-generation': String(object.generation),
      'x-goog-stored-content-length': String(object.body.length),
    });
    // Several writes so clients see a real stream, not one buffer.
    for (let at = 0; at < object.body.length; at += 256 * 1024) res.write(object.body.subarray(at, at + 256 * 1024));
    res.end();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, 500, 'backendError', String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    buckets,
    requests,
    createBucket: (name) => void buckets.set(name, new Map()),
    deny: (bucket) => void denied.add(bucket),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
