import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { useCloudFakes } from './cloud-harness.js';

const cloud = useCloudFakes();
const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

type Item = { name: string; status: string; detail: string };

describe('drDrill http.check', () => {
  it('judges an endless answer by its first 64 KiB instead of buffering it until the attempt times out', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('ok ');
      const more = setInterval(() => res.write(Buffer.alloc(16 * 1024, 0x2e)), 1);
      res.on('close', () => clearInterval(more));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`;
    const envelope = await cloud.invoke({ plan: 'dr' }, [
      { step: 'http.check', name: 'stream', url, timeout: '2s', within: '3s', expect: { status: 200, body: '^ok ' } },
    ]);
    const check = (envelope.items as Item[]).find((i) => i.name === 'stream');
    expect(check).toMatchObject({ status: 'ok' });
  }, 20_000);
});
