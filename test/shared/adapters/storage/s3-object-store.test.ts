import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  md5FromEtag,
  S3ObjectStore,
  type S3ObjectStoreOptions,
} from '../../../../shared/adapters/storage/s3-object-store.js';
import { NotFoundError } from '../../../../shared/core/errors/ops-error.js';
import { type S3TestServer, startS3Server } from '../../../support/s3-server.js';
import { runObjectStoreContract } from './contract.js';

let server: S3TestServer;
const bucket = `contract-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  server = await startS3Server([bucket]);
});
afterAll(async () => {
  await server?.stop();
});

function stores(base: Omit<S3ObjectStoreOptions, 'bucket'>) {
  return {
    store: new S3ObjectStore({ ...base, bucket, pageSize: 3, partSize: 5 * 1024 * 1024 }),
    missing: new S3ObjectStore({ ...base, bucket: 'no-such-bucket' }),
    denied: new S3ObjectStore({
      ...base,
      bucket,
      credentials: { accessKeyId: 'UNKNOWN-KEY', secretAccessKey: 'wrong' },
    }),
    checksums: ['md5'] as const,
  };
}

runObjectStoreContract(
  'S3ObjectStore (path style)',
  async () => stores({ endpoint: server.endpoint, forcePathStyle: true, credentials: server.credentials }),
  { missingBucket: true, accessDenied: true },
);

runObjectStoreContract(
  'S3ObjectStore (virtual-host style)',
  async () => {
    const subject = stores({ endpoint: server.vhostEndpoint, credentials: server.credentials, agent: server.agent });
    const seen = (await server.hosts()).length;
    return {
      ...subject,
      close: async () => {
        // Every request this suite made must have named the bucket in the Host header, not in the path.
        const hosts = (await server.hosts()).slice(seen);
        expect(hosts.length).toBeGreaterThan(10);
        expect(hosts.filter((h) => !h.startsWith(`${bucket}.s3.`) && !h.startsWith('no-such-bucket.s3.'))).toEqual([]);
      },
    };
  },
  { missingBucket: true, accessDenied: true },
);

describe('S3ObjectStore', () => {
  it('reads an md5 from a plain ETag but not from a multipart or KMS one', () => {
    expect(md5FromEtag('"5d41402abc4b2a76b9719d911017c592"')).toBe('XUFAKrxLKna5cZ2REBfFkg==');
    expect(md5FromEtag('"5d41402abc4b2a76b9719d911017c592-3"')).toBeUndefined();
    expect(md5FromEtag('"5d41402abc4b2a76b9719d911017c592"', 'aws:kms')).toBeUndefined();
  });

  it('aborts a multipart upload and leaves no object when the source stream fails', async () => {
    const { Readable } = await import('node:stream');
    const store = new S3ObjectStore({
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: server.credentials,
      bucket,
      partSize: 5 * 1024 * 1024,
    });
    async function* source() {
      yield randomBytes(6 * 1024 * 1024);
      yield randomBytes(5 * 1024 * 1024);
      throw new Error('dump process died');
    }
    await expect(store.write('torn/dump.gz', Readable.from(source()))).rejects.toThrow(/dump process died/);
    expect(await store.stat('torn/dump.gz')).toBeUndefined();
  });

  it('reports a full-object sha256 and no md5 for a multipart object', async () => {
    const { createServer } = await import('node:http');
    const sha = Buffer.alloc(32, 0xab);
    let mode: unknown;
    const head = createServer((req, res) => {
      mode = req.headers['x-amz-checksum-mode'];
      res.writeHead(200, {
        etag: '"0123456789abcdef0123456789abcdef-4"',
        'content-length': '42',
        'last-modified': 'Sun, 22 Nov 2026 01:00:00 GMT',
        'x-amz-checksum-sha256': sha.toString('base64'),
        'x-amz-checksum-type': 'FULL_OBJECT',
      });
      res.end();
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => head.once('listening', resolve));
    const port = (head.address() as { port: number }).port;
    const store = new S3ObjectStore({
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials: server.credentials,
      bucket,
    });
    const info = await store.stat('dump.gz').finally(() => head.close());
    expect(info).toMatchObject({
      key: 'dump.gz',
      bytes: 42,
      sha256: sha.toString('hex'),
      etag: '0123456789abcdef0123456789abcdef-4',
    });
    expect(info?.md5).toBeUndefined();
    expect(mode).toBe('ENABLED');
    expect(info?.updated.toISOString()).toBe('2026-11-22T01:00:00.000Z');
  });

  it('names the bucket when it does not exist', async () => {
    const store = new S3ObjectStore({
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: server.credentials,
      bucket: 'absent-bucket',
    });
    await expect(store.list('')).rejects.toThrow(/s3:\/\/absent-bucket\/.*bucket does not exist/);
    await expect(store.list('')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('fails with a retryable DependencyError within the timeout when the endpoint hangs', async () => {
    const { createServer } = await import('node:net');
    const hang = createServer(() => undefined).listen(0, '127.0.0.1');
    await new Promise((resolve) => hang.once('listening', resolve));
    const port = (hang.address() as { port: number }).port;
    const store = new S3ObjectStore({
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials: server.credentials,
      bucket,
      timeoutMs: 300,
    });
    const started = Date.now();
    const error = await store.stat('a.txt').catch((e: unknown) => e);
    hang.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ kind: 'dependency', retryable: true });
    expect((error as Error).message).toMatch(/timed out/);
  });
});
