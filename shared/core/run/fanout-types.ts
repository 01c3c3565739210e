import * as z from '../schema/index.js';
import type { Context, RunResult } from './types.js';

/** The `shard` field of a continued invocation's payload: which shard of which run it is. */
export const ShardRefSchema = z.strictObject({
  run: z.string().check(z.regex(/^[A-Za-z0-9-]{1,64}$/, 'expected the run id of a run split into shards')),
  index: z.number().check(z.int(), z.gte(0), z.lte(9_999)),
});
export type ShardRef = z.infer<typeof ShardRefSchema>;

/** A run split into shards, as the state store keeps it under the run id of the invocation that split it. */
export interface FanoutRun {
  function: string;
  runId: string;
  startedAt: string;
  /** Shards with no result by then are reported failed. */
  deadline: string;
  /** What the run works through, in order (backup names, endpoint keys): shard i has `perShard` of them from i × perShard. */
  keys: string[];
  perShard: number;
  shards: number;
  trigger: { kind: string; id: string };
  /** What the run was asked beyond its keys (backupVerify's `restore: true`), which every shard works with. */
  options?: Record<string, unknown>;
}

/** What one shard recorded: its items, or why it failed after its deliveries. */
export interface ShardResult<Item> {
  index: number;
  status: 'done' | 'failed';
  items: Item[];
  detail?: string;
}

/** What a function hands the fan-out: how to run a shard, what stands for unfinished work, how to end the run. */
export interface Fanout<Item> {
  /** Runs the work of one shard; a retryable error is left to Pub/Sub's redelivery, any other fails the shard. */
  work(ctx: Context, keys: string[], run: FanoutRun): Promise<Item[]>;
  /** The item reported for a key whose shard failed or never reported. */
  missing(ctx: Context, key: string, why: string): Item;
  /** Ends the run, once: its report and notifications, with every key's item in order; the run's result. */
  finish(ctx: Context, run: FanoutRun, items: Item[]): Promise<RunResult<Item>>;
}

/** State keys of a fanned-out run; they live until a week after its deadline. */
export const FanoutKeys = {
  run: (fn: string, run: string) => `fanout:${fn}:${run}`,
  shard: (fn: string, run: string, index: number) => `fanout:${fn}:${run}:shard:${index}`,
  done: (fn: string, run: string) => `fanout:${fn}:${run}:done`,
  final: (fn: string, run: string) => `fanout:${fn}:${run}:final`,
  /** Held while an invocation works a shard, so a re-sent shard never runs beside the one still working it. */
  working: (fn: string, run: string, index: number) => `fanout:${fn}:${run}:shard:${index}:working`,
  /** The last error a shard's own work threw: a dead-lettered shard with one failed, one without was never worked. */
  tried: (fn: string, run: string, index: number) => `fanout:${fn}:${run}:shard:${index}:tried`,
  /** The dead-lettered deliveries of a shard that was re-sent instead of reported failed. */
  resent: (fn: string, run: string, index: number) => `fanout:${fn}:${run}:shard:${index}:resent`,
  /** The run's envelope, written by the invocation that finished it. */
  result: (fn: string, run: string) => `fanout:${fn}:${run}:result`,
  /** Runs not yet finished, by function: what the deadline sweep looks at. */
  open: (fn: string, run: string) => `fanout-open:${fn}:${run}`,
  openPrefix: (fn: string) => `fanout-open:${fn}:`,
} as const;

/** How long a run's records outlive its deadline: long enough to look a run up after the fact. */
export const FANOUT_RETAIN_MS = 7 * 86_400_000;
