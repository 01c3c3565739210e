import type { Context, RunResult } from '../../shared/core/run/index.js';
import { skipDeadLetter } from '../../shared/core/run/index.js';
import type { CertExpiryDeps } from './deps.js';
import { fanOutCertificates } from './fanout.js';
import type { CertExpiryInput } from './input.js';
import { probeTargets, reportCertificates } from './sweep-run.js';
import { selectTargets, targetsOf } from './targets.js';

/**
 * Runs one sweep with the estate's `certificates` section and notifies what is new today. Loaded on the first run,
 * not at a cold start: the probes, the chain checks and the gauge are no part of starting (handler.ts).
 */
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
