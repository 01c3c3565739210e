import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../../shared/adapters/storage/s3-object-store.js';
import { cutParts } from '../../../../shared/adapters/storage/s3-upload.js';

async function sizes(chunks: number[], size: number): Promise<number[]> {
  const out: number[] = [];
  for await (const part of cutParts(Readable.from(chunks.map((n) => Buffer.alloc(n, 7))), size)) out.push(part.length);
  return out;
}

describe('cutParts', () => {
  it.each([
    [[], 4, [0]],
    [[3], 4, [3]],
    [[4], 4, [4]],
    [[2, 2, 2, 2], 4, [4, 4]],
    [[10], 4, [4, 4, 2]],
    [[1, 7, 1], 4, [4, 4, 1]],
  ])('cuts chunks %j into parts of %i as %j', async (chunks, size, expected) => {
    expect(await sizes(chunks, size)).toEqual(expected);
  });

  it('keeps the bytes in order across part boundaries', async () => {
    const source = Readable.from([Buffer.from('abc'), Buffer.from('defgh'), Buffer.from('ij')]);
    const parts: string[] = [];
    for await (const part of cutParts(source, 4)) parts.push(part.toString());
    expect(parts).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('counts string chunks in bytes, so none is cut short', async () => {
    const text = '{"status":"vérifiée — ok"}';
    const parts: Buffer[] = [];
    for await (const part of cutParts(Readable.from([text, text]), 1024)) parts.push(part);
    expect(Buffer.concat(parts).toString('utf8')).toBe(text + text);
  });
});

describe('a multipart upload the caller cancels', () => {
  it('is still aborted on S3, so its parts are not left stored', async () => {
    const seen: string[] = [];
    const cancel = new AbortController();
    // CreateMultipartUpload answers an UploadId; part 1 lands; while part 2 is in flight the run is cancelled.
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://s3');
      seen.push(
        `${req.method} ${url.searchParams.has('uploads') ? 'uploads' : (url.searchParams.get('partNumber') ?? url.searchParams.get('uploadId') ?? '')}`,
      );
      req.resume();
      req.on('end', () => {
        if (req.method === 'POST' && url.searchParams.has('uploads')) {
          res.writeHead(200, { 'content-type': 'application/xml' });
          return void res.end(
            '<?xml version="1.0"?><InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>UP1</UploadId></InitiateMultipartUploadResult>',
          );
        }
        if (req.method === 'PUT' && url.searchParams.get('partNumber') === '1') {
          res.writeHead(200, { etag: '"e1"' });
          return void res.end();
        }
        if (req.method === 'PUT') return void cancel.abort(new Error('run deadline'));
        // AbortMultipartUpload: DELETE /{Key}?uploadId=… answers 204 No Content.
        res.writeHead(204);
        res.end();
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const store = new S3ObjectStore({
        bucket: 'b',
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        forcePathStyle: true,
        credentials: { accessKeyId: 'a', secretAccessKey: 's' },
        partSize: 5 * 1024 * 1024,
      });
      const body = Readable.from(Array.from({ length: 12 }, () => Buffer.alloc(1024 * 1024)));
      await expect(store.write('k', body, { signal: cancel.signal })).rejects.toThrow();
      expect(seen).toContain('DELETE UP1');
    } finally {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
  }, 20_000);
});
