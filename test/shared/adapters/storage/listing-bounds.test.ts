import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { GcsObjectStore } from '../../../../shared/adapters/storage/gcs-object-store.js';
import { S3ObjectStore } from '../../../../shared/adapters/storage/s3-object-store.js';
import type { OpsError } from '../../../../shared/core/errors/index.js';

// Stores that never stop paging: a buggy or hostile S3-compatible store handing back the same continuation token,
// or an endless run of fresh ones. A listing must end with a clear error, not list until memory runs out.
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse, page: number) => void): Promise<string> {
  let page = 0;
  const server = createServer((req, res) => handler(req, res, page++));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** One S3 ListObjectsV2 page of 1,000 keys, always truncated, with `token` as the next page's. */
function s3Page(res: ServerResponse, page: number, token: string): void {
  const contents = Array.from(
    { length: 1000 },
    (_, i) =>
      `<Contents><Key>db/x_${page}_${i}.sql.gz</Key><LastModified>2026-03-01T00:00:00.000Z</LastModified><Size>1</Size></Contents>`,
  ).join('');
  res.writeHead(200, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0"?><ListBucketResult><Name>b</Name><Prefix>db/</Prefix><KeyCount>1000</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><NextContinuationToken>${token}</NextContinuationToken>${contents}</ListBucketResult>`,
  );
}

const s3 = (endpoint: string, maxObjects?: number) =>
  new S3ObjectStore({
    bucket: 'b',
    endpoint,
    forcePathStyle: true,
    credentials: 'none',
    region: 'us-east-1',
    ...(maxObjects === undefined ? {} : { maxObjects }),
  });

describe('listing bounds', () => {
  it('ends an S3 listing whose store sends the same continuation token again', async () => {
    let pages = 0;
    const endpoint = await serve((_req, res, page) => {
      pages++;
      s3Page(res, page, 'same');
    });
    const error = (await s3(endpoint)
      .list('db/')
      .catch((e: unknown) => e)) as OpsError;
    expect(error).toMatchObject({ kind: 'dependency', retryable: false });
    expect(error.message).toMatch(/page token it had sent before/);
    expect(pages).toBe(2);
  });

  it('refuses an S3 listing past its object bound, naming the bound', async () => {
    const endpoint = await serve((_req, res, page) => s3Page(res, page, `t${page}`));
    const error = (await s3(endpoint, 2_500)
      .list('db/')
      .catch((e: unknown) => e)) as OpsError;
    expect(error).toMatchObject({ kind: 'tooLarge', retryable: false });
    expect(error.message).toMatch(/passed 2500 objects; point it at a narrower prefix/);
  });

  it('ends a GCS listing that repeats its page token, or passes its bound', async () => {
    const gcsPage = (res: ServerResponse, page: number, token: string) => {
      const items = Array.from({ length: 1000 }, (_, i) => ({
        name: `db/x_${page}_${i}.sql.gz`,
        size: '1',
        updated: '2026-03-01T00:00:00.000Z',
      }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'storage#objects', items, nextPageToken: token }));
    };
    const looping = await serve((_req, res, page) => gcsPage(res, page, 'same'));
    const repeated = (await new GcsObjectStore({ bucket: 'b', apiEndpoint: looping, credentials: 'none' })
      .list('db/')
      .catch((e: unknown) => e)) as OpsError;
    expect(repeated.message).toMatch(/page token it had sent before/);
    const endless = await serve((_req, res, page) => gcsPage(res, page, `t${page}`));
    const tooMany = (await new GcsObjectStore({
      bucket: 'b',
      apiEndpoint: endless,
      credentials: 'none',
      maxObjects: 2_500,
    })
      .list('db/')
      .catch((e: unknown) => e)) as OpsError;
    expect(tooMany).toMatchObject({ kind: 'tooLarge' });
  });
});
