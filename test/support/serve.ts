import type { AddressInfo } from 'node:net';
import { createHttpServer } from '../../shared/host/runtime/node-server.js';
import { createRuntime, type RuntimeOptions } from '../../shared/host/runtime/runtime.js';

/** Serves a runtime on 127.0.0.1:0 (answering loopback `Host`s only) and returns its URL, the runtime and a stop function. */
export async function serveRuntime(options: RuntimeOptions) {
  const runtime = await createRuntime(options);
  const server = createHttpServer(runtime, { loopback: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    runtime,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await runtime.close();
    },
  };
}
