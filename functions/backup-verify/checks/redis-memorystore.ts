import type { RedisBackup } from '../config.js';
import { type Check, check } from '../types.js';

const HOUR = 3_600_000;
const hours = (ms: number) => `${Math.round((ms / HOUR) * 100) / 100}h`;

interface Replica {
  /** `ip:port`, to match a replica across two samples. */
  at: string;
  state: string;
  /** Seconds since the replica last acknowledged (INFO's `lag`): not how far behind its data is. */
  lagSeconds: number;
  /** The replication offset the replica acknowledged. */
  offset: number;
}

/** The replicas a primary lists in `INFO replication` (`slave0:ip=…,port=…,state=online,offset=…,lag=0`). */
function replicasOf(info: Map<string, string>, prefix = ''): Replica[] {
  return [...info]
    .filter(([key]) => new RegExp(`^${prefix}slave\\d+$`).test(key))
    .map(([, value]) => {
      const fields = new Map(value.split(',').map((pair) => pair.split('=') as [string, string]));
      return {
        at: `${fields.get('ip') ?? '?'}:${fields.get('port') ?? '?'}`,
        state: fields.get('state') ?? 'unknown',
        lagSeconds: Number(fields.get('lag') ?? Number.NaN),
        offset: Number(fields.get('offset') ?? Number.NaN),
      };
    });
}

/**
 * How far behind in time the replicas' data is, from two samples of the primary (`later_` fields, see
 * `readPersistenceInfo`): a replica's byte gap to the primary's offset, over the primary's write rate between the
 * samples. A replica can acknowledge every second (INFO's `lag` 0–1) while its stream is far behind, on a slow
 * link under heavy writes. Undefined without the second sample; Infinity for a replica that is behind and got
 * nothing while the primary wrote nothing (it is not catching up).
 */
export function secondsBehind(info: Map<string, string>): { seconds: number; bytes: number } | undefined {
  const first = Number(info.get('master_repl_offset'));
  const second = Number(info.get('later_master_repl_offset'));
  const elapsed = Number(info.get('later_elapsed_ms')) / 1000;
  if (![first, second, elapsed].every(Number.isFinite) || elapsed <= 0) return undefined;
  const before = new Map(replicasOf(info).map((r) => [r.at, r]));
  const rate = (second - first) / elapsed;
  let worst = { seconds: 0, bytes: 0 };
  for (const replica of replicasOf(info, 'later_').filter((r) => r.state === 'online')) {
    const bytes = Math.max(0, second - replica.offset);
    if (!Number.isFinite(bytes) || bytes === 0) continue;
    const moved = replica.offset - (before.get(replica.at)?.offset ?? replica.offset);
    const seconds = rate > 0 ? bytes / rate : moved > 0 ? 0 : Number.POSITIVE_INFINITY;
    if (seconds > worst.seconds || (seconds === worst.seconds && bytes > worst.bytes)) worst = { seconds, bytes };
  }
  return worst;
}

function replicaCheck(info: Map<string, string>, rpoMs: number): Check {
  const role = info.get('role');
  if (role === 'slave') {
    const io = Number(info.get('master_last_io_seconds_ago'));
    if (info.get('master_link_status') !== 'up')
      return check('replica', 'fail', 'this is a replica whose link to its primary is down');
    return io * 1000 > rpoMs
      ? check('replica', 'fail', `this replica last heard from its primary ${io}s ago: over the RPO of ${hours(rpoMs)}`)
      : check('replica', 'ok', `this replica heard from its primary ${io}s ago`);
  }
  const replicas = replicasOf(info);
  const online = replicas.filter((r) => r.state === 'online' && Number.isFinite(r.lagSeconds));
  if (online.length === 0) {
    // Snapshots run at most hourly on Memorystore: under an hour, only a replica holds the RPO.
    const status = rpoMs < HOUR ? 'fail' : 'warn';
    return check(
      'replica',
      status,
      `no online replica (Basic tier, or a replica down): only Memorystore's RDB snapshots keep the data, every 1h at best${rpoMs < HOUR ? `, so nothing holds the RPO of ${hours(rpoMs)}` : ''}`,
      { replicas: replicas.length },
    );
  }
  const lag = Math.max(...online.map((r) => r.lagSeconds));
  const behind = secondsBehind(info);
  const data = {
    replicas: online.length,
    lagSeconds: lag,
    ...(behind
      ? { bytesBehind: behind.bytes, secondsBehind: Number.isFinite(behind.seconds) ? behind.seconds : null }
      : {}),
  };
  if (lag * 1000 > rpoMs) {
    return check('replica', 'fail', `a replica last acknowledged ${lag}s ago: over the RPO of ${hours(rpoMs)}`, data);
  }
  if (behind && behind.seconds * 1000 > rpoMs) {
    const how = Number.isFinite(behind.seconds)
      ? `about ${Math.round(behind.seconds)}s of writes (${behind.bytes} bytes) behind its primary`
      : `${behind.bytes} bytes behind its primary and not catching up`;
    return check('replica', 'fail', `a replica is ${how}: over the RPO of ${hours(rpoMs)}`, data);
  }
  const gap = behind ? `, ${behind.bytes} bytes behind at most` : '';
  return check('replica', 'ok', `${online.length} replica(s) online, acknowledged ${lag}s ago at most${gap}`, data);
}

/**
 * Memorystore for Redis with what it allows: `INFO` works, but BGSAVE, LASTSAVE and CONFIG are blocked and its RDB
 * snapshots are Google's (every 1h at best), not saves this server reports. So the RPO is judged on what keeps
 * recent writes, the replica and its lag (Standard tier), and the snapshots are reported as not checkable here.
 * https://cloud.google.com/memorystore/docs/redis/product-constraints#blocked_redis_commands
 */
export function decideMemorystore(info: Map<string, string>, backup: RedisBackup): Check[] {
  if (!info.has('role')) return [check('replica', 'fail', 'INFO replication returned no role')];
  return [
    replicaCheck(info, backup.rpo),
    check(
      'snapshots',
      'skipped',
      'not checkable from Redis on Memorystore: LASTSAVE, BGSAVE and CONFIG are blocked and its RDB snapshots are taken by Google; read them in the instance (gcloud redis instances describe: persistenceConfig)',
    ),
  ];
}
