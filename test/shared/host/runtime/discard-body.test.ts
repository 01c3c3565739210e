import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { discardUnread, LINGER_BYTES } from '../../../../shared/host/runtime/discard-body.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server that refuses every request at once and counts the body bytes it read anyway. */
async function refusingServer(): Promise<{ url: string; read: () => number }> {
  let read = 0;
  server = createServer((req: IncomingMessage, res) => {
    req.on('data', (chunk: Buffer) => {
      read += chunk.length;
    });
    discardUnread(req, res);
    res.writeHead(413, { 'content-type': 'application/json' });
    res.end('{"error":"tooLarge"}');
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, read: () => read };
}

function post(url: string, body: Buffer): Promise<{ status: number; connection?: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, text }));
    });
    // Writing past the point where the server stops reading fails; the reply has arrived by then.
    req.on('error', reject);
    req.on('socket', (socket) => socket.on('error', () => undefined));
    req.end(body);
  });
}

describe('discardUnread', () => {
  it('answers a hostile upload and closes its connection after at most about a MiB, not the whole body', async () => {
    const s = await refusingServer();
    const reply = await post(s.url, Buffer.alloc(16 * 1024 * 1024, 0x20));
    expect(reply).toMatchObject({ status: 413, text: '{"error":"tooLarge"}' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s.read()).toBeGreaterThan(0);
    expect(s.read()).toBeLessThan(LINGER_BYTES + 512 * 1024);
  });

  it('drains a small body to its end so the client reads the reply', async () => {
    const s = await refusingServer();
    const reply = await post(s.url, Buffer.alloc(64 * 1024, 0x20));
    expect(reply.status).toBe(413);
    expect(s.read()).toBe(64 * 1024);
  });
});
