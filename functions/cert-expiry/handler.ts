import type { FunctionDefinition } from '../../shared/core/run/index.js';
import { defineFunction, depsOnFirstRun } from '../../shared/core/run/index.js';
import type { CertExpiryDeps } from './deps.js';
import { type CertExpiryInput, CertExpiryInputSchema } from './input.js';

/** Builds certExpiry over the given dependencies (resolver, trust store, Cloud Monitoring); tests hand in their own. */
export function createCertExpiry(deps?: CertExpiryDeps): FunctionDefinition<CertExpiryInput> {
  // The sweep and the production dependencies (resolver, trust store, Cloud Monitoring) load on the first run.
  const depsOf = depsOnFirstRun(deps, async () => (await import('./deps.js')).defaultCertExpiryDeps());
  return defineFunction<CertExpiryInput>({
    name: 'certExpiry',
    description:
      'Probes every TLS endpoint on every address: days left on leaf and chain, trust, hostname, weak crypto.',
    triggers: ['scheduled', 'manual'],
    input: CertExpiryInputSchema,
    // A shard whose every delivery failed is reported failed at once (shared/core/run/fanout.ts).
    deadLetters: true,
    run: async (ctx, input) => {
      const [{ runCertExpiry }, resolved] = await Promise.all([import('./sweep.js'), depsOf()]);
      return runCertExpiry(ctx, input, resolved);
    },
  });
}

/** certExpiry with production dependencies, as registered with the runtime. */
export const certExpiry = createCertExpiry();
