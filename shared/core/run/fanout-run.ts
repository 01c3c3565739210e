import { FANOUT_RETAIN_MS, type FanoutRun } from './fanout-types.js';

/** How long a run's records are kept from now: to its deadline (a minute at least), then a week to look it up. */
export const retain = (run: FanoutRun, now: Date): number =>
  Math.max(60_000, Date.parse(run.deadline) - now.getTime()) + FANOUT_RETAIN_MS;

/** How audit records and items name a shard: `shard 2/5 of run <id>`. */
export const label = (run: FanoutRun, index: number): string => `shard ${index + 1}/${run.shards} of run ${run.runId}`;

/** The keys shard `index` of `run` works through. */
export function shardKeys(run: FanoutRun, index: number): string[] {
  return run.keys.slice(index * run.perShard, (index + 1) * run.perShard);
}
