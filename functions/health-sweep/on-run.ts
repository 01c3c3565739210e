import { BadInputError, NotFoundError } from '../../shared/core/errors/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import type { HealthSweepDeps } from './deps.js';
import type { HealthSweepInput } from './input.js';
import { sweep } from './sweep.js';

/**
 * A scheduled sweep (every due check) or a manual run: the named service's or checks' run now. Names the
 * estate does not have are refused before anything runs.
 */
export async function onRun(
  ctx: Context,
  deps: HealthSweepDeps,
  input: HealthSweepInput | undefined,
): Promise<RunResult> {
  const { service, checks } = input ?? {};
  if (service === undefined && checks === undefined) return sweep(ctx, deps);
  const entries = ctx.config.health?.checks ?? [];
  if (service !== undefined && !entries.some((e) => e.service === service)) {
    const known = ctx.config.services[service] ? 'has no health check' : 'is not in the estate';
    throw new NotFoundError(`service "${service}" ${known}`);
  }
  const unknown = (checks ?? []).filter((name) => !entries.some((e) => e.name === name));
  if (unknown.length > 0) {
    throw new BadInputError(
      `unknown check(s): ${unknown.join(', ')} (known: ${entries.map((e) => e.name).join(', ') || 'none'})`,
    );
  }
  return sweep(ctx, deps, {
    force: true,
    select: (e) =>
      (service === undefined || e.service === service) && (checks === undefined || checks.includes(e.name)),
  });
}
