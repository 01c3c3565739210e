import { replyText } from '../../../shared/core/state/index.js';
import type { RedisCheck } from '../config.js';
import { parseInfo, withRedis } from './redis-client.js';
import { against, type CheckResult, type CheckStatus, type ProbeEnv, percent, since, worst } from './types.js';

/** What `PING` and `INFO` tell about a Redis server. */
export interface RedisReading {
  version: string;
  pingMs: number;
  usedMemory: number;
  maxMemory: number;
  role: string;
  /** A replica's link to its primary and seconds since it last heard from it. */
  link?: { up: boolean; lastIoSeconds?: number };
}

const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;

/** Judges memory against `maxmemory` and a replica's link and lag. */
export function judgeRedis(reading: RedisReading, check: Pick<RedisCheck, 'memory' | 'maxLag'>) {
  const parts = [`Redis ${reading.version} PONG in ${reading.pingMs} ms`];
  const statuses: CheckStatus[] = [];
  if (reading.maxMemory > 0) {
    const ratio = reading.usedMemory / reading.maxMemory;
    statuses.push(against(ratio, check.memory));
    parts.push(`memory ${mib(reading.usedMemory)} of ${mib(reading.maxMemory)} (${percent(ratio)})`);
  } else {
    parts.push(`memory ${mib(reading.usedMemory)} (no maxmemory)`);
  }
  if (reading.link) {
    if (!reading.link.up) {
      statuses.push('fail');
      parts.push('replica link to its primary is down');
    } else if (check.maxLag !== undefined && reading.link.lastIoSeconds !== undefined) {
      statuses.push(reading.link.lastIoSeconds * 1000 > check.maxLag ? 'fail' : 'ok');
      parts.push(`replica last heard from its primary ${reading.link.lastIoSeconds}s ago`);
    }
  }
  return { status: worst(...statuses), parts };
}

/** `redis`: PING, then memory against `maxmemory` and a replica's link to its primary, from INFO. */
export async function probeRedis(check: RedisCheck, env: ProbeEnv): Promise<CheckResult> {
  const url = typeof check.url === 'string' ? check.url : await env.ctx.secret(check.url);
  const started = performance.now();
  const reading = await withRedis(url, check.timeout, env.signal, async (redis) => {
    const ping = performance.now();
    await redis.send(['PING']);
    const pingMs = since(ping);
    const info = parseInfo(replyText(await redis.send(['INFO'])) ?? '');
    const role = info.role ?? 'unknown';
    const lastIo = Number(info.master_last_io_seconds_ago);
    return {
      version: info.redis_version ?? '?',
      pingMs,
      usedMemory: Number(info.used_memory ?? 0),
      maxMemory: Number(info.maxmemory ?? 0),
      role,
      ...(role === 'slave'
        ? {
            link: {
              up: info.master_link_status === 'up',
              ...(Number.isFinite(lastIo) && lastIo >= 0 ? { lastIoSeconds: lastIo } : {}),
            },
          }
        : {}),
    } satisfies RedisReading;
  });
  const latencyMs = since(started);
  const { status, parts } = judgeRedis(reading, check);
  return { status, latencyMs, detail: parts.join('; '), data: { ...reading } };
}
