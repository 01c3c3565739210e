import type { RedisSession } from '../../../shared/adapters/databases/index.js';
import { formatDuration } from '../../../shared/core/config/index.js';
import { replyArray, replyText } from '../../../shared/core/state/index.js';
import type { RedisStreamCheck } from '../config.js';
import { withRedis } from './redis-client.js';
import { against, type CheckResult, type CheckStatus, type ProbeEnv, since, worst } from './types.js';

/** Streams one check looks at, at most: a pattern matching more is cut, and says so. */
const MAX_STREAMS = 200;
const GLOB = /[*?[]/;

/** One consumer group of a stream, from `XINFO GROUPS` and `XINFO CONSUMERS`. */
export interface GroupReading {
  stream: string;
  group: string;
  pending: number;
  /** Entries not yet delivered to the group (Redis 7); undefined when the server cannot tell. */
  lag?: number;
  consumers: { name: string; pending: number; idleMs: number }[];
}

function pairs(reply: unknown): Record<string, unknown> {
  const list = Array.isArray(reply) ? reply : [];
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[String(list[i])] = list[i + 1];
  return out;
}

async function matchStreams(redis: RedisSession, pattern: string): Promise<{ streams: string[]; cut: boolean }> {
  if (!GLOB.test(pattern)) {
    return { streams: (await redis.send(['TYPE', pattern])) === 'stream' ? [pattern] : [], cut: false };
  }
  const found = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = replyArray(
      await redis.send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000, 'TYPE', 'stream']),
    );
    for (const key of replyArray(keys ?? null)) found.add(String(key));
    cursor = replyText(next ?? null) ?? '0';
  } while (cursor !== '0' && found.size < MAX_STREAMS);
  const streams = [...found].sort();
  return { streams: streams.slice(0, MAX_STREAMS), cut: streams.length > MAX_STREAMS || cursor !== '0' };
}

async function readGroups(redis: RedisSession, stream: string, only: string | undefined): Promise<GroupReading[]> {
  const groups = replyArray(await redis.send(['XINFO', 'GROUPS', stream])).map(pairs);
  const readings: GroupReading[] = [];
  for (const g of groups) {
    const group = String(g.name);
    if (only !== undefined && group !== only) continue;
    const consumers = replyArray(await redis.send(['XINFO', 'CONSUMERS', stream, group]))
      .map(pairs)
      .map((c) => ({
        name: String(c.name),
        pending: Number(c.pending ?? 0),
        idleMs: Number(c.inactive ?? c.idle ?? 0),
      }));
    const lag = g.lag === null || g.lag === undefined ? undefined : Number(g.lag);
    readings.push({ stream, group, pending: Number(g.pending ?? 0), ...(lag === undefined ? {} : { lag }), consumers });
  }
  return readings;
}

/** Judges one group: pending and lag against their limits, consumers idle past `maxIdle` with work waiting. */
export function judgeGroup(r: GroupReading, check: Pick<RedisStreamCheck, 'pending' | 'lag' | 'maxIdle'>) {
  const statuses: CheckStatus[] = [];
  const parts = [`${r.stream}/${r.group}: ${r.pending} pending${r.lag === undefined ? '' : `, lag ${r.lag}`}`];
  if (check.pending) statuses.push(against(r.pending, check.pending));
  if (check.lag && r.lag !== undefined) statuses.push(against(r.lag, check.lag));
  if (check.maxIdle !== undefined) {
    const idle = (c: GroupReading['consumers'][number]) => c.idleMs > (check.maxIdle ?? 0);
    const dead = r.consumers.filter((c) => c.pending > 0 && idle(c));
    for (const c of dead.slice(0, 5))
      parts.push(`consumer ${c.name} idle ${formatDuration(c.idleMs)} with ${c.pending} pending`);
    const waiting = (r.lag ?? 0) > 0 || r.pending > 0;
    if (dead.length > 0) statuses.push('fail');
    else if (waiting && r.consumers.length > 0 && r.consumers.every(idle)) {
      statuses.push('fail');
      parts.push(`no consumer has read for ${formatDuration(Math.min(...r.consumers.map((c) => c.idleMs)))}`);
    } else if (waiting && r.consumers.length === 0) {
      statuses.push('fail');
      parts.push('no consumer');
    }
  }
  return { status: worst(...statuses), text: parts.join(', ') };
}

async function entriesAdded(redis: RedisSession, stream: string): Promise<number> {
  const info = pairs(await redis.send(['XINFO', 'STREAM', stream]));
  // `entries-added` (Redis 7) counts every entry ever added, so trimming a DLQ never hides new dead letters.
  return Number(info['entries-added'] ?? info.length ?? 0);
}

/**
 * `redis-stream`: the streams a key or pattern names; per consumer group pending entries, lag and dead
 * consumers, or for dead-letter streams (`dlq`) the entries added since the previous sweep.
 */
export async function probeRedisStream(check: RedisStreamCheck, env: ProbeEnv): Promise<CheckResult> {
  const url = typeof check.url === 'string' ? check.url : await env.ctx.secret(check.url);
  const started = performance.now();
  return withRedis(url, check.timeout, env.signal, async (redis) => {
    const { streams, cut } = await matchStreams(redis, check.stream);
    if (streams.length === 0) {
      const what = GLOB.test(check.stream)
        ? `no stream matches ${check.stream}`
        : `stream ${check.stream} does not exist`;
      return { status: 'fail', latencyMs: since(started), detail: what };
    }
    const more = cut ? ` (first ${MAX_STREAMS} streams only)` : '';
    if (check.dlq) {
      const notes: Record<string, number> = {};
      const first = env.notes === undefined;
      let added = 0;
      for (const stream of streams) {
        const now = await entriesAdded(redis, stream);
        notes[stream] = now;
        // A dead-letter stream that appeared since the previous sweep holds only new dead letters.
        if (!first) added += Math.max(0, now - (env.notes?.[stream] ?? 0));
      }
      const status = first ? 'ok' : against(added, check.dlq);
      const detail = first
        ? `${streams.length} dead-letter stream(s) noted; growth is measured from the next sweep${more}`
        : `${added} new dead letter(s) in ${streams.length} stream(s) since the previous sweep${more}`;
      // New dead letters are an event, not a state: the next sweep counts only newer ones, so waiting for
      // `failAfter` failing sweeps in a row would never page a burst. A `fail` here is down at once.
      return {
        status,
        latencyMs: since(started),
        detail,
        notes,
        ...(status === 'fail' ? { growth: true } : {}),
        data: { streams: streams.length, added },
      };
    }
    const groups: GroupReading[] = [];
    for (const stream of streams) groups.push(...(await readGroups(redis, stream, check.group)));
    if (groups.length === 0) {
      const detail = `${check.group ? `group ${check.group}` : 'no consumer group'} on ${check.stream}${more}`;
      return { status: 'fail', latencyMs: since(started), detail: check.group ? `no ${detail}` : detail };
    }
    const judged = groups.map((g) => judgeGroup(g, check));
    const status = worst(...judged.map((j) => j.status));
    const shown = judged
      .filter((j) => j.status === status)
      .slice(0, 5)
      .map((j) => j.text);
    return {
      status,
      latencyMs: since(started),
      detail: `${groups.length} group(s)${more}: ${shown.join('; ')}`,
      data: { groups: groups.map(({ consumers, ...g }) => ({ ...g, consumers: consumers.length })) },
    };
  });
}
