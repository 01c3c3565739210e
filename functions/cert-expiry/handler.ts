import type { Context, FunctionDefinition, RunResult } from '../../shared/core/run/index.js';
import { defineFunction, skipDeadLetter } from '../../shared/core/run/index.js';
import { type CertExpiryDeps, defaultCertExpiryDeps } from './deps.js';
import { fanOutCertificates } from './fanout.js';
import { type CertExpiryInput, CertExpiryInputSchema } from './input.js';
import { probeTargets, reportCertificates } from './sweep-run.js';
import { selectTargets, targetsOf } from './targets.js';

/** Runs one sweep with the estate's `certificates` section and notifies what is new today. */
export async function runCertExpiry(
  ctx: Context,
  input: CertExpiryInput | undefined,
  deps: CertExpiryDeps,
): Promise<RunResult> {
  const dead = skipDeadLetter(ctx, input?.shard);
  if (dead) return dead;
  const section = ctx.config.certificates;
  const targets = input?.shard ? [] : selectTargets(targetsOf(section), input?.endpoints);
  const split = await fanOutCertificates(ctx, targets, input?.shard, deps);
  if (split) return split;
  if (targets.length === 0) return { outcome: 'skipped', summary: 'no endpoints in certificates.endpoints', items: [] };
  const { items, threads } = await probeTargets(ctx, targets, deps);
  const result = await reportCertificates(ctx, items, deps);
  return { ...result, extra: { ...result.extra, threads } };
}

/** Builds certExpiry over the given dependencies (resolver, trust store, Cloud Monitoring); tests hand in their own. */
export function createCertExpiry(deps: CertExpiryDeps = defaultCertExpiryDeps()): FunctionDefinition<CertExpiryInput> {
  return defineFunction<CertExpiryInput>({
    name: 'certExpiry',
    description:
      'Probes every TLS endpoint on every address: days left on leaf and chain, trust, hostname, weak crypto.',
    triggers: ['scheduled', 'manual'],
    input: CertExpiryInputSchema,
    // A shard whose every delivery failed is reported failed at once (shared/core/run/fanout.ts).
    deadLetters: true,
    run: (ctx, input) => runCertExpiry(ctx, input, deps),
  });
}

/** certExpiry with production dependencies, as registered with the runtime. */
export const certExpiry = createCertExpiry();
