import type { RedisBackup } from '../config.js';
import { type Check, check } from '../types.js';
import { decideMemorystore } from './redis-memorystore.js';

/** `INFO` text as a field map (section headers and blank lines dropped). */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf(':');
    if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return fields;
}

/** `bgsave`, `freshness` and `aof` from `INFO persistence` (on Memorystore: `replica` and `snapshots`); pure. */
export function decideRedis(info: Map<string, string>, backup: RedisBackup, nowMs: number): Check[] {
  if (backup.managed === 'memorystore') return decideMemorystore(info, backup);
  if (!info.has('rdb_last_bgsave_status') && !info.has('aof_enabled')) {
    return [check('bgsave', 'fail', 'INFO persistence returned no persistence fields')];
  }
  return [bgsaveCheck(info), freshnessCheck(info, backup.rpo, nowMs), aofCheck(info, backup.aof)];
}

function bgsaveCheck(info: Map<string, string>): Check {
  const status = info.get('rdb_last_bgsave_status');
  const running = info.get('rdb_bgsave_in_progress') === '1' ? ' (a BGSAVE is running)' : '';
  if (status !== 'ok')
    return check(
      'bgsave',
      'fail',
      `rdb_last_bgsave_status:${status ?? 'missing'}${running}: the last RDB snapshot failed`,
    );
  return check('bgsave', 'ok', `rdb_last_bgsave_status:ok${running}`);
}

function freshnessCheck(info: Map<string, string>, rpoMs: number, nowMs: number): Check {
  const saved = Number(info.get('rdb_last_save_time'));
  if (!Number.isFinite(saved) || saved <= 0) return check('freshness', 'fail', 'rdb_last_save_time missing');
  const ageMs = nowMs - saved * 1000;
  const changes = Number(info.get('rdb_changes_since_last_save') ?? 0);
  const data = {
    ageHours: Math.round((ageMs / 3_600_000) * 10) / 10,
    changesSinceSave: changes,
    saves: info.get('rdb_saves'),
  };
  const text = `last RDB save ${(ageMs / 3_600_000).toFixed(1)}h ago, ${changes} change(s) since`;
  // Nothing changed since the last save: an old save still holds every write.
  if (ageMs > rpoMs && changes > 0)
    return check('freshness', 'fail', `${text}: over the RPO of ${rpoMs / 3_600_000}h`, data);
  return check('freshness', 'ok', text, data);
}

function aofCheck(info: Map<string, string>, required: boolean): Check {
  const enabled = info.get('aof_enabled') === '1';
  const write = info.get('aof_last_write_status');
  const rewrite = info.get('aof_last_bgrewrite_status');
  if (!enabled) {
    return required
      ? check('aof', 'fail', 'aof_enabled:0 but the backup requires AOF (aof: true)')
      : check('aof', 'skipped', 'AOF disabled and not required');
  }
  if (write !== 'ok')
    return check('aof', 'fail', `aof_last_write_status:${write ?? 'missing'}: AOF writes are failing`);
  if (rewrite !== undefined && rewrite !== 'ok') return check('aof', 'warn', `aof_last_bgrewrite_status:${rewrite}`);
  return check('aof', 'ok', 'AOF enabled, last write ok');
}
