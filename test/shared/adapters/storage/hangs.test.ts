import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GcsObjectStore } from '../../../../shared/adapters/storage/gcs-object-store.js';
import { S3ObjectStore } from '../../../../shared/adapters/storage/s3-object-store.js';
import type { OpsError } from '../../../../shared/core/errors/ops-error.js';
import { type S3TestServer, startS3Server } from '../../../support/s3-server.js';

// A server that accepts connections and never answers: the worst case for an unbounded client.
let hang: Server;
let url: string;
const sockets = new Set<Socket>();
let s3: S3TestServer;

beforeAll(async () => {
  hang = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(hang.address() as { port: number }).port}`;
  s3 = await startS3Server(['anon-bucket']);
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => hang.close(resolve));
  await s3?.stop();
});

async function failure(run: () => Promise<unknown>): Promise<{ error: OpsError; ms: number }> {
  const started = Date.now();
  const error = (await run().catch((e: unknown) => e)) as OpsError;
  return { error, ms: Date.now() - started };
}

describe('network stores against a hanging endpoint', () => {
  it('bounds every GCS call and maps it to a retryable DependencyError', async () => {
    const store = new GcsObjectStore({ bucket: 'b-hang', apiEndpoint: url, credentials: 'none', timeoutMs: 200 });
    for (const run of [
      () => store.list('x/'),
      () => store.stat('x'),
      () => store.read('x'),
      () => store.write('x', 'y'),
    ]) {
      const { error, ms } = await failure(run);
      expect(error).toMatchObject({ kind: 'dependency', retryable: true });
      expect(error.message).toMatch(/timed out/);
      expect(ms).toBeLessThan(5_000);
    }
  });

  it('bounds every S3 call and maps it to a retryable DependencyError', async () => {
    const store = new S3ObjectStore({
      bucket: 'b-hang',
      endpoint: url,
      forcePathStyle: true,
      credentials: 'none',
      timeoutMs: 200,
    });
    for (const run of [
      () => store.list('x/'),
      () => store.read('x'),
      () => store.write('x', 'y'),
      () => store.delete('x'),
    ]) {
      const { error, ms } = await failure(run);
      expect(error).toMatchObject({ kind: 'dependency', retryable: true });
      expect(ms).toBeLessThan(5_000);
    }
  });
});

describe('S3ObjectStore with credentials none', () => {
  it('sends unsigned requests', async () => {
    const store = new S3ObjectStore({
      bucket: 'anon-bucket',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: 'none',
    });
    await store.write('public/a.txt', 'anon');
    expect((await store.stat('public/a.txt'))?.bytes).toBe(4);
  });
});

describe('a GCS download whose body stalls after its headers', () => {
  it.each([
    ['goes silent', false],
    ['drops the connection without an error', true],
  ])(
    'fails with a retryable DependencyError when the server %s',
    async (_what, drop) => {
      const server = createHttpServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1024 * 1024 });
        res.write(Buffer.alloc(10, 0x61));
        if (drop) setTimeout(() => res.socket?.destroy(), 50);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      try {
        const store = new GcsObjectStore({ bucket: 'b', apiEndpoint: endpoint, credentials: 'none', timeoutMs: 300 });
        const { error, ms } = await failure(async () => {
          for await (const _chunk of await store.read('x')) {
            // drained
          }
        });
        expect(error).toMatchObject({ kind: 'dependency', retryable: true });
        expect(ms).toBeLessThan(5_000);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
    15_000,
  );
});
