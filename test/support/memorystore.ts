import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort, spawnTracked } from './local-process.js';

/**
 * Commands Memorystore for Redis blocks (cloud.google.com/memorystore/docs/redis/product-constraints, "Blocked
 * Redis commands": every ACL subcommand, BGREWRITEAOF, BGSAVE, CLIENT, CLUSTER, COMMAND, CONFIG, DEBUG, LASTSAVE,
 * MIGRATE, MONITOR, OBJECT, SHUTDOWN, REPLICAOF, SAVE), renamed away here so a test server refuses them as
 * Memorystore does ("ERR unknown command"). CLIENT is left in: supported-commands on the same site lists its
 * GETNAME, SETNAME, LIST, KILL… for Redis 6.x and later, and the instances Terraform creates run 7.2; a test of
 * a 5.0 instance renames it away itself.
 */
export const MEMORYSTORE_BLOCKED = [
  'ACL',
  'BGREWRITEAOF',
  'BGSAVE',
  'CLUSTER',
  'COMMAND',
  'CONFIG',
  'DEBUG',
  'LASTSAVE',
  'MIGRATE',
  'MONITOR',
  'OBJECT',
  'REPLICAOF',
  'SAVE',
  'SHUTDOWN',
];

/** A local stand-in for a Memorystore instance: a primary (and a replica, for Standard tier), blocked commands refused. */
export interface MemorystoreLike {
  url: string;
  /** The replica's own URL (Standard tier only). */
  replicaUrl?: string;
  stop(): Promise<void>;
}

/**
 * A redis-server of its own on a free loopback port (no persistence unless `args` turn it on; later arguments win),
 * with the commands Memorystore blocks renamed away unless `memorystore` is false.
 */
export async function startLocalRedis(
  args: string[],
  memorystore = true,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'opsfn-redis-'));
  const port = await freePort();
  const blocked = memorystore ? MEMORYSTORE_BLOCKED.flatMap((c) => ['--rename-command', c, '']) : [];
  const server = spawnTracked(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      ...blocked,
      ...args,
    ],
    dir,
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return { url, stop: server.stop };
    } catch {
      client.disconnect();
      await delay(50);
    }
  }
  await server.stop();
  throw new Error(`redis-server on ${port} did not start:\n${server.output()}`);
}

/** Starts a Memorystore-like Redis: Basic tier (one server) or Standard tier (a primary and an online replica). */
export async function startMemorystoreLike(tier: 'basic' | 'standard', maxmemory = '64mb'): Promise<MemorystoreLike> {
  // No 5 s wait before the first (diskless) sync to the replica.
  const primary = await startLocalRedis(['--maxmemory', maxmemory, '--repl-diskless-sync-delay', '0']);
  if (tier === 'basic') return primary;
  const port = new URL(primary.url).port;
  const replica = await startLocalRedis(['--maxmemory', maxmemory, '--replicaof', '127.0.0.1', port]);
  // The primary lists the replica as online once the first sync is done.
  const client = new Redis(primary.url);
  try {
    for (let i = 0; i < 100 && !/slave0:.*state=online/.test(await client.info('replication')); i++) await delay(50);
  } finally {
    client.disconnect();
  }
  return {
    url: primary.url,
    replicaUrl: replica.url,
    stop: async () => {
      await replica.stop();
      await primary.stop();
    },
  };
}

/**
 * Takes the one client slot of a server started with `--maxclients 1`, once the start-up check's connection has
 * gone; the caller disconnects it to free the slot.
 */
export async function holdOnlySlot(url: string): Promise<Redis> {
  for (let i = 0; ; i++) {
    const holder = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    holder.on('error', () => undefined);
    const pinged = await holder.ping().then(
      () => true,
      () => false,
    );
    if (pinged) return holder;
    holder.disconnect();
    if (i >= 50) throw new Error(`could not take the one client slot of ${url}`);
    await delay(50);
  }
}
