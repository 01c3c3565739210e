import { describe, expect, it } from 'vitest';
import { readPersistenceInfo } from '../../../functions/backup-verify/adapters/redis-info.js';
import { decideRedis, parseInfo } from '../../../functions/backup-verify/checks/redis.js';
import { RedisBackupSchema } from '../../../functions/backup-verify/config.js';
import { backupVerify } from '../../../functions/backup-verify/handler.js';
import type { BackupResult } from '../../../functions/backup-verify/types.js';
import type { ManualTrigger } from '../../../shared/core/events/trigger.js';
import { runForTest } from '../../../shared/testing/index.js';
import { testEstate } from '../../support/estate.js';

const NOW = Date.parse('2026-11-22T04:00:00Z');
const recorded = (fields: Record<string, string | number>) =>
  `# Persistence\r\nloading:0\r\nrdb_bgsave_in_progress:0\r\n${Object.entries(fields)
    .map(([k, v]) => `${k}:${v}`)
    .join('\r\n')}\r\n`;
const healthy = {
  rdb_changes_since_last_save: 120,
  rdb_last_save_time: NOW / 1000 - 3600,
  rdb_last_bgsave_status: 'ok',
  rdb_saves: 4,
  aof_enabled: 1,
  aof_last_bgrewrite_status: 'ok',
  aof_last_write_status: 'ok',
};
const statuses = (text: string, config: Record<string, unknown> = {}) =>
  Object.fromEntries(
    decideRedis(
      parseInfo(text),
      RedisBackupSchema.parse({ kind: 'redis', url: 'redis://x', aof: true, ...config }),
      NOW,
    ).map((c) => [c.name, c.status]),
  );

describe('decideRedis on recorded INFO persistence', () => {
  it.each([
    ['a healthy RDB + AOF server', healthy, { bgsave: 'ok', freshness: 'ok', aof: 'ok' }],
    ['a failed BGSAVE', { ...healthy, rdb_last_bgsave_status: 'err' }, { bgsave: 'fail', freshness: 'ok', aof: 'ok' }],
    [
      'an old save with changes since',
      { ...healthy, rdb_last_save_time: NOW / 1000 - 30 * 3600 },
      { bgsave: 'ok', freshness: 'fail', aof: 'ok' },
    ],
    [
      'an old save with nothing changed since',
      { ...healthy, rdb_last_save_time: NOW / 1000 - 30 * 3600, rdb_changes_since_last_save: 0 },
      { freshness: 'ok' },
    ],
    ['AOF writes failing', { ...healthy, aof_last_write_status: 'err' }, { aof: 'fail' }],
    ['AOF off though required', { ...healthy, aof_enabled: 0 }, { aof: 'fail' }],
    ['an AOF rewrite that failed', { ...healthy, aof_last_bgrewrite_status: 'err' }, { aof: 'warn' }],
  ])('judges %s', (_name, fields, expected) => {
    expect(statuses(recorded(fields))).toMatchObject(expected);
  });

  it('skips the AOF check when AOF is off and not required', () => {
    expect(statuses(recorded({ ...healthy, aof_enabled: 0 }), { aof: false })).toMatchObject({ aof: 'skipped' });
  });

  it('fails a reply without persistence fields', () => {
    expect(statuses('# Server\r\nredis_version:7.2.0\r\n')).toEqual({ bgsave: 'fail' });
  });
});

describe('backupVerify on the real Redis', () => {
  it('reports the verdicts its INFO persistence implies', async () => {
    const info = parseInfo(await readPersistenceInfo('redis://127.0.0.1:6379', 5_000));
    const config = testEstate({
      backups: {
        cache: { kind: 'redis', url: 'redis://127.0.0.1:6379', aof: true },
        down: { kind: 'redis', url: 'redis://127.0.0.1:1', timeout: '1s' },
      },
    });
    const { envelope } = await runForTest(
      backupVerify,
      { kind: 'manual', id: `m-${Math.random()}`, payload: {} } satisfies ManualTrigger,
      {
        estate: config,
      },
    );
    const [cache, down] = envelope.items as BackupResult[];
    const byName = Object.fromEntries(cache?.checks.map((c) => [c.name, c.status]) ?? []);
    expect(byName.bgsave).toBe(info.get('rdb_last_bgsave_status') === 'ok' ? 'ok' : 'fail');
    expect(byName.aof).toBe(
      info.get('aof_enabled') === '1' && info.get('aof_last_write_status') === 'ok' ? 'ok' : 'fail',
    );
    expect(down?.checks[0]).toMatchObject({ name: 'access', status: 'fail' });
    expect(down?.checks[0]?.detail).toMatch(/Redis 127\.0\.0\.1:1: .*ECONNREFUSED/);
  });
});
