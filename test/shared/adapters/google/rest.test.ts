import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requestJson } from '../../../../shared/adapters/google/rest.js';
import { DependencyError } from '../../../../shared/core/errors/ops-error.js';

const MiB = 1024 * 1024;

describe('requestJson answers over its bound', () => {
  let server: Server | undefined;
  afterEach(
    () =>
      new Promise<void>((done) => {
        server?.closeAllConnections();
        server ? server.close(() => done()) : done();
      }),
  );

  /** A server answering 200 with `total` bytes of JSON-ish text, chunked (no length) unless `declare`. */
  async function huge(total: number, declare: boolean): Promise<{ url: string; written: () => number }> {
    let written = 0;
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...(declare ? { 'content-length': total } : {}) });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const more = () => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        if (!res.destroyed) res.end();
      };
      more();
    });
    await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}/api/v1/query`, written: () => written };
  }

  it('stops reading a chunked answer past 8 MiB instead of taking it all in', async () => {
    const { url, written } = await huge(256 * MiB, false);
    const call = requestJson({ method: 'GET', url }, { timeoutMs: 20_000, retries: 0 });
    await expect(call).rejects.toBeInstanceOf(DependencyError);
    await expect(call).rejects.toThrow(/response over 8388608 bytes/);
    // What the server got out before the client hung up: the bound plus what sockets buffer, not 256 MiB.
    await new Promise((done) => setTimeout(done, 200));
    expect(written()).toBeLessThan(64 * MiB);
  }, 30_000);

  it('refuses an answer whose declared length is over the bound without reading it', async () => {
    const { url, written } = await huge(256 * MiB, true);
    await expect(requestJson({ method: 'GET', url }, { timeoutMs: 20_000, retries: 0 })).rejects.toThrow(
      /response over 8388608 bytes/,
    );
    await new Promise((done) => setTimeout(done, 200));
    expect(written()).toBeLessThan(64 * MiB);
  }, 30_000);
});
