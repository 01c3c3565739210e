import type { Context, Fanout, RunResult, ShardRef } from '../../shared/core/run/index.js';
import { fanOut } from '../../shared/core/run/index.js';
import { errorItem } from './analyze.js';
import type { CertExpiryDeps } from './deps.js';
import { probeTargets, reportCertificates } from './sweep-run.js';
import { targetsOf } from './targets.js';
import type { CertItem, Target } from './types.js';

/** A target's identity across the invocations of one run: the same endpoint may be listed with several names. */
export const targetKey = (t: Target): string => [t.endpoint, t.servername, t.address ?? '', t.protocol].join(' ');

/** An item for a target no shard probed, naming why. */
function notProbed(key: string, why: string): CertItem {
  const [endpoint = key, servername = ''] = key.split(' ');
  const colon = endpoint.lastIndexOf(':');
  const port = Number(endpoint.slice(colon + 1));
  const host = endpoint.slice(0, Math.max(colon, 0)).replace(/^\[|\]$/g, '');
  return errorItem({ endpoint, host, port: Number.isInteger(port) ? port : 0, servername }, null, {
    problem: 'not-probed',
    error: why,
  });
}

/** certExpiry's shards: each probes its endpoints; the last notifies and records the gauge for the whole run. */
export function certFanout(deps: CertExpiryDeps): Fanout<CertItem> {
  return {
    async work(ctx, keys) {
      const byKey = new Map(targetsOf(ctx.config.certificates).map((t) => [targetKey(t), t]));
      const targets = keys.flatMap((k) => byKey.get(k) ?? []);
      const { items } = await probeTargets(ctx, targets, deps);
      const gone = keys.filter((k) => !byKey.has(k));
      return [...items, ...gone.map((k) => notProbed(k, 'no longer in certificates.endpoints'))];
    },
    missing: (_ctx, key, why) => notProbed(key, why),
    finish: (ctx, _run, items) => reportCertificates(ctx, items, deps),
  };
}

/** certExpiry's part of a run split into shards (see `fanOut`); undefined when it probes its endpoints itself. */
export function fanOutCertificates(
  ctx: Context,
  targets: Target[],
  shard: ShardRef | undefined,
  deps: CertExpiryDeps,
): Promise<RunResult | undefined> {
  const perShard = ctx.config.limits.shards.endpoints;
  return fanOut(ctx, { keys: targets.map(targetKey), shard, perShard, what: 'endpoints' }, certFanout(deps));
}
