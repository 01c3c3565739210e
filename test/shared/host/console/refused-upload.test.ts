import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { serve } from '../../../../shared/host/cli/serve-cmd.js';
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
});
