import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { serve } from '../../../../shared/host/cli/serve-cmd.js';
import { createHttpServer } from '../../../../shared/host/runtime/node-server.js';
import { createRuntime } from '../../../../shared/host/runtime/runtime.js';
import { functions } from '../../../support/catalogue.js';
import { captureIo } from '../../../support/cli-io.js';
import { captureLogs, testEstate } from '../../../support/estate.js';

describe('a refused console upload', () => {
  it.each([
    ['/console/sign-in', 'text/plain'],
    ['/metrics', 'application/json'],
  ])(
    'is answered and its connection closed, not read to its end: POST %s',
    async (path, type) => {
      const runtime = await createRuntime({ config: testEstate(), functions, logSink: captureLogs().sink });
      const serving = await serve(runtime, { port: 0, scheduler: false, graceMs: 100 }, captureIo());
      const socket = connect(Number(new URL(serving.url).port), '127.0.0.1');
      try {
        socket.on('error', () => undefined);
        await new Promise((resolve) => socket.once('connect', resolve));
        let reply = '';
        socket.on('data', (chunk: Buffer) => {
          reply += chunk.toString('latin1');
        });
        const ended = new Promise((resolve) => socket.once('end', resolve));
        // A chunked body that never ends, as a page or a hostile client can send.
        socket.write(
          `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${type}\r\nTransfer-Encoding: chunked\r\n\r\n`,
        );
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const feeding = setInterval(() => {
          if (!socket.destroyed) socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString('latin1')}\r\n`);
        }, 5);
        const outcome = await Promise.race([
          ended.then(() => 'closed'),
          new Promise((resolve) => setTimeout(() => resolve('still reading'), 5_000)),
        ]);
        clearInterval(feeding);
        expect(outcome).toBe('closed');
        expect(reply).toMatch(/^HTTP\/1\.1 4\d\d /);
      } finally {
        socket.destroy();
        await serving.stop();
      }
    },
    20_000,
  );

  it.each([
    // Same-origin JSON, as the console's own script posts: without a session, refused before the body is read.
    ['/console/run', /^HTTP\/1\.1 401 /, undefined],
    // A sign-in form is a few KiB at most: a longer one is refused at that bound, not at limits.body.
    ['/console/sign-in', /^HTTP\/1\.1 413 /, { tokens: [{ name: 'ana', token: { env: 'ANA' } }] }],
    // Open (no credentials to check), there is no sign-in at all.
    ['/console/sign-in', /^HTTP\/1\.1 403 /, undefined],
  ])(
    'answers a same-origin POST %s at once, not after a body that stalls below limits.body',
    async (path, answer, auth) => {
      const runtime = await createRuntime({
        config: testEstate(auth ? { auth: auth as never } : {}),
        functions,
        env: { ANA: 'ana-token-31c9' },
        logSink: captureLogs().sink,
      });
      const serving = await serve(runtime, { port: 0, scheduler: false, graceMs: 100 }, captureIo());
      const host = new URL(serving.url).host;
      const socket = connect(Number(new URL(serving.url).port), '127.0.0.1');
      try {
        socket.on('error', () => undefined);
        await new Promise((resolve) => socket.once('connect', resolve));
        let reply = '';
        const answered = new Promise<string>((resolve) =>
          socket.on('data', (chunk: Buffer) => {
            reply += chunk.toString('latin1');
            resolve('answered');
          }),
        );
        // 960 KiB of a declared 1 MiB, then nothing more: the way a few hundred connections hold memory.
        socket.write(
          `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://${host}\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1024}\r\n\r\n`,
        );
        socket.write(Buffer.alloc(960 * 1024, 0x20));
        const outcome = await Promise.race([
          answered,
          new Promise((resolve) => setTimeout(() => resolve('still reading'), 2_000)),
        ]);
        expect(outcome).toBe('answered');
        expect(reply).toMatch(answer);
      } finally {
        socket.destroy();
        await serving.stop();
      }
    },
    20_000,
  );

  it('bounds how long a client may take over its headers and its whole request', async () => {
    const runtime = await createRuntime({ config: testEstate(), functions, logSink: captureLogs().sink });
    const server = createHttpServer(runtime);
    expect([server.headersTimeout, server.requestTimeout]).toEqual([10_000, 30_000]);
    await runtime.close();
  });
});
