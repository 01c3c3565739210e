import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * `node:tls`, required on first use rather than imported: loading it costs a cold start about 3 MiB, and only
 * a probe needs it (an invocation that probes nothing, a shard's bookkeeping, never loads it).
 */
export const tlsModule = (): typeof import('node:tls') => require('node:tls');
