import type { RedisBackup } from '../config.js';
import { type Check, check } from '../types.js';

const HOUR = 3_600_000;
const hours = (ms: number) => `${Math.round((ms / HOUR) * 100) / 100}h`;

/** The replicas a primary lists in `INFO replication` (`slave0:ip=…,state=online,offset=…,lag=0`). */
function replicasOf(info: Map<string, string>): { state: string; lagSeconds: number }[] {
  return [...info]
    .filter(([key]) => /^slave\d+$/.test(key))
    .map(([, value]) => {
      const fields = new Map(value.split(',').map((pair) => pair.split('=') as [string, string]));
      return { state: fields.get('state') ?? 'unknown', lagSeconds: Number(fields.get('lag') ?? Number.NaN) };
    });
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
  const data = { replicas: online.length, lagSeconds: lag };
  return lag * 1000 > rpoMs
    ? check('replica', 'fail', `a replica lags ${lag}s behind: over the RPO of ${hours(rpoMs)}`, data)
    : check('replica', 'ok', `${online.length} replica(s) online, ${lag}s behind at most`, data);
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
