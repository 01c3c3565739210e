import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { serve } from '../../../../shared/host/cli/serve-cmd.js';
import { createRuntime } from '../../../../shared/host/runtime/runtime.js';
import { captureIo } from '../../../support/cli-io.js';
import { captureLogs, testEstate } from '../../../support/estate.js';

describe('serve stopping', () => {
  it('stops soon after the drain though a client is still sending its request', async () => {
    const noop = defineFunction<Record<string, unknown>>({
      name: 'noop',
      description: 'answers at once',
      triggers: ['manual'],
      input: z.object({}),
      async run() {
        return { outcome: 'ok', summary: 'ok' };
      },
    });
    const runtime = await createRuntime({ config: testEstate(), functions: [noop], logSink: captureLogs().sink });
    const serving = await serve(runtime, { port: 0, scheduler: false, graceMs: 200 }, captureIo());
    const socket = connect(Number(new URL(serving.url).port), '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    // A body that never finishes arriving: a stalled upload, or a client holding the connection on purpose.
    socket.write(
      'POST /noop HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closedByServer = new Promise((resolve) => socket.once('close', resolve));
    const stopped = await Promise.race([
      serving.stop().then(() => 'stopped'),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5_000)),
    ]);
    expect(stopped).toBe('stopped');
    await closedByServer;
    socket.destroy();
  }, 15_000);
});
