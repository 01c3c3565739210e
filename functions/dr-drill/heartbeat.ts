import { entryOf } from '../../shared/core/config/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import type { DrDrillDeps } from './deps.js';
import { message } from './steps/types.js';

/**
 * Writes the heartbeat row of every plan's `heartbeat` (once per database and table) into
 * production, so a restored copy tells how fresh its data is. Only opsfn's own table is written;
 * a dry run writes nothing.
 */
export async function writeHeartbeats(ctx: Context, ports: DrDrillDeps): Promise<RunResult> {
  const targets = new Map<string, { database: string; table: string }>();
  for (const plan of Object.values(ctx.config.drills)) {
    if (plan.heartbeat) targets.set(`${plan.heartbeat.database}/${plan.heartbeat.table}`, plan.heartbeat);
  }
  const at = ctx.now();
  const items: { target: string; status: 'ok' | 'fail' | 'skipped'; detail: string }[] = [];
  for (const [target, { database, table }] of targets) {
    const db = entryOf(ctx.config.databases, database);
    if (!db || db.kind === 'cloud-sql') {
      items.push({ target, status: 'fail', detail: `databases.${database} is not a postgres or mysql entry` });
      continue;
    }
    if (ctx.dryRun) {
      items.push({ target, status: 'skipped', detail: `dry-run: would write ${at.toISOString()} into ${table}` });
      continue;
    }
    try {
      const url = typeof db.url === 'string' ? db.url : await ctx.secret(db.url);
      await ports.writeHeartbeat({ engine: db.kind, url, table }, at, 15_000);
      ctx.log.audit({
        decision: 'done',
        action: 'drill.heartbeat',
        target,
        reason: `heartbeat ${at.toISOString()} written`,
      });
      items.push({ target, status: 'ok', detail: `heartbeat ${at.toISOString()} written` });
    } catch (error) {
      items.push({ target, status: 'fail', detail: message(error) });
    }
  }
  const failed = items.filter((i) => i.status === 'fail').length;
  return {
    outcome: failed > 0 ? 'fail' : 'ok',
    summary:
      targets.size === 0 ? 'no plan has a heartbeat' : `${items.length - failed}/${items.length} heartbeat(s) written`,
    items,
  };
}
