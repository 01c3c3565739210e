import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInfo } from '../../../functions/backup-verify/checks/redis.js';
import { decideMemorystore } from '../../../functions/backup-verify/checks/redis-memorystore.js';
import { backupVerify } from '../../../functions/backup-verify/handler.js';
import type { BackupResult } from '../../../functions/backup-verify/types.js';
import type { ManualTrigger } from '../../../shared/core/events/trigger.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { runFunction } from '../../../shared/host/runtime/invoke.js';
import { configIssues, testEstate } from '../../support/estate.js';
import { MEMORYSTORE_BLOCKED, type MemorystoreLike, startMemorystoreLike } from '../../support/memorystore.js';
import { healthHarness, itemsOf } from '../health-sweep/harness.js';

let standard: MemorystoreLike;
let basic: MemorystoreLike;

beforeAll(async () => {
  [standard, basic] = await Promise.all([startMemorystoreLike('standard'), startMemorystoreLike('basic')]);
});
afterAll(async () => {
  await Promise.all([standard?.stop(), basic?.stop()]);
});

async function verify(backups: Record<string, unknown>): Promise<Record<string, BackupResult>> {
  const envelope = await runFunction(
    backupVerify,
    { kind: 'manual', id: `m-${Math.random()}`, payload: {} } satisfies ManualTrigger,
    { config: testEstate({ backups: backups as never }), state: new MemoryStateStore(), logSink: () => undefined },
  );
  return Object.fromEntries((envelope.items as BackupResult[]).map((r) => [r.backup, r]));
}

describe('Redis checks on a Memorystore-like server (BGSAVE, LASTSAVE, CONFIG blocked)', () => {
  it('refuses what Memorystore blocks, as the real one does', async () => {
    const client = new Redis(standard.url);
    try {
      await expect(client.call('CONFIG', 'GET', 'save')).rejects.toThrow(/unknown command/);
      await expect(client.call('LASTSAVE')).rejects.toThrow(/unknown command/);
      await expect(client.call('BGSAVE')).rejects.toThrow(/unknown command/);
      for (const command of MEMORYSTORE_BLOCKED) {
        await expect(client.call(command), command).rejects.toThrow(/unknown command/);
      }
      // What the checks send is still answered.
      expect(await client.call('INFO', 'persistence')).toMatch(/rdb_last_bgsave_status/);
    } finally {
      client.disconnect();
    }
  });

  it("judges a 5-minute RPO on the Standard tier's replica and says the snapshots cannot be checked there", async () => {
    const { sessions } = await verify({
      sessions: { kind: 'redis', url: standard.url, managed: 'memorystore', rpo: '5m' },
    });
    expect(sessions?.status).toBe('ok');
    expect(sessions?.checks).toMatchObject([
      {
        name: 'replica',
        status: 'ok',
        // Sampled twice a second apart: how far behind the replica's data is, not only when it last acknowledged.
        detail: expect.stringMatching(
          /^1 replica\(s\) online, acknowledged \d+s ago at most, \d+ bytes behind at most$/,
        ),
        data: expect.objectContaining({ bytesBehind: expect.any(Number) }),
      },
      {
        name: 'snapshots',
        status: 'skipped',
        detail: expect.stringContaining('LASTSAVE, BGSAVE and CONFIG are blocked'),
      },
    ]);
  });

  it('judges how far behind in time a replica acknowledging every second is, from two samples of its primary', () => {
    // A slow link under heavy writes: the replica acknowledges every second (lag=0), 600 MB behind, while the primary
    // writes 1 MB/s: ten minutes of writes, over a 5-minute RPO.
    const sample = (master: number, replica: number, prefix = '') => [
      `${prefix}role:master`,
      `${prefix}connected_slaves:1`,
      `${prefix}master_repl_offset:${master}`,
      `${prefix}slave0:ip=10.0.0.3,port=6379,state=online,offset=${replica},lag=0`,
    ];
    const info = (first: [number, number], second: [number, number]) =>
      parseInfo([...sample(...first), ...sample(...second, 'later_'), 'later_elapsed_ms:1000'].join('\r\n'));
    const rpo = {
      kind: 'redis' as const,
      url: 'redis://x',
      managed: 'memorystore' as const,
      rpo: 300_000,
      timeout: 10_000,
    };
    const [behind] = decideMemorystore(
      info([2_000_000_000, 1_400_000_000], [2_001_000_000, 1_401_000_000]),
      rpo as never,
    );
    expect(behind).toMatchObject({
      name: 'replica',
      status: 'fail',
      detail: 'a replica is about 600s of writes (600000000 bytes) behind its primary: over the RPO of 0.08h',
    });
    // No writes, and the replica got nothing either while behind: not catching up.
    const [stuck] = decideMemorystore(info([5_000, 4_000], [5_000, 4_000]), rpo as never);
    expect(stuck?.detail).toBe('a replica is 1000 bytes behind its primary and not catching up: over the RPO of 0.08h');
    // Keeping up: a second's worth of writes behind at most.
    const [fine] = decideMemorystore(
      info([2_000_000_000, 1_999_500_000], [2_001_000_000, 2_000_500_000]),
      rpo as never,
    );
    expect(fine).toMatchObject({ status: 'ok', data: { secondsBehind: 0.5, bytesBehind: 500_000 } });
  });

  it('fails a 5-minute RPO on the Basic tier: snapshots every hour at best hold nothing tighter', async () => {
    const { sessions, daily } = await verify({
      sessions: { kind: 'redis', url: basic.url, managed: 'memorystore', rpo: '5m' },
      daily: { kind: 'redis', url: basic.url, managed: 'memorystore', rpo: '26h' },
    });
    expect(sessions?.status).toBe('fail');
    expect(sessions?.checks[0]?.detail).toContain('nothing holds the RPO of 0.08h');
    expect(daily?.status).toBe('warn');
  });

  it('judges a replica endpoint by its link to the primary', async () => {
    const { replica } = await verify({
      replica: { kind: 'redis', url: String(standard.replicaUrl), managed: 'memorystore', rpo: '5m' },
    });
    expect(replica?.checks[0]).toMatchObject({ name: 'replica', status: 'ok' });
  });

  it('refuses AOF for Memorystore at load: it has none', async () => {
    expect(
      await configIssues('backups:\n  s: { kind: redis, url: "redis://m:6379", managed: memorystore, aof: true }\n'),
    ).toEqual(['backups.s.aof: Memorystore for Redis has no AOF: drop "aof" (its persistence is RDB snapshots)']);
  });

  it("runs healthSweep's redis check with PING and INFO alone, memory judged against maxmemory", async () => {
    const h = healthHarness({ health: { checks: [{ name: 'memorystore', kind: 'redis', url: standard.url }] } });
    const item = itemsOf(await h.invoke()).memorystore;
    expect(item?.status).toBe('ok');
    expect(item?.detail).toMatch(/^Redis \d+\.\d+\.\d+ PONG in \d+ ms; memory \d+ MiB of 64 MiB \(\d+(\.\d+)?%\)$/);
  });
});
