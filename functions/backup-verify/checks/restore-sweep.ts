import {
  describeServer,
  listScratchDatabases,
  RESTORE_PREFIX,
  type ScratchServer,
  scratchDeadline,
} from '../../../shared/adapters/databases/index.js';
import type { ScratchServerConfig, SecretRef } from '../../../shared/core/config/index.js';
import { errorMessage as message } from '../../../shared/core/errors/index.js';
import type { Act } from '../../../shared/core/guard/index.js';
import type { Backup } from '../config.js';
import { dropGuarded, ScratchActions } from './scratch-guard.js';

/** One scratch database the sweep looked at, or a server it could not look on. */
export interface SweepItem {
  server: string;
  database?: string;
  action: 'dropped' | 'kept' | 'dry-run' | 'refused' | 'failed';
  detail: string;
}

/** What the sweep needs from the run. */
export interface SweepDeps {
  act: Act;
  nowMs: number;
  /** The scratch server's own clock (`scratchServerNow`). */
  serverNowMs(server: ScratchServer): Promise<number>;
  secret(ref: SecretRef): Promise<string>;
}

/** The scratch servers of the named backups' restore tests, each once. */
export function restoreServers(backups: Record<string, Backup>, names: readonly string[]): ScratchServerConfig[] {
  const seen = new Map<string, ScratchServerConfig>();
  for (const name of names) {
    const backup = backups[name];
    if (backup?.kind === 'object-store' && backup.restoreTest)
      seen.set(JSON.stringify(backup.restoreTest.scratch), backup.restoreTest.scratch);
  }
  return [...seen.values()];
}

/**
 * Drops, through the guard, every `opsfn_restore_*` database whose name carries a deadline already
 * past: a run that crashed or was killed left it. A database still inside its deadline may belong to
 * a live run and is kept; one without a deadline (made before names carried one) is reported, not dropped.
 * The deadline must be past by this run's clock and by the scratch server's own: a run on a host whose
 * clock runs ahead would otherwise drop the live restores of every other instance sharing the server.
 */
export async function sweepRestoreDatabases(configs: ScratchServerConfig[], deps: SweepDeps): Promise<SweepItem[]> {
  const items: SweepItem[] = [];
  const done = new Set<string>();
  for (const config of configs) {
    const engine = 'postgres' in config ? 'postgres' : 'mysql';
    const ref = 'postgres' in config ? config.postgres : config.mysql;
    let server: ScratchServer;
    let names: string[];
    let serverNow: number;
    try {
      server = { engine, url: typeof ref === 'string' ? ref : await deps.secret(ref) };
      if (done.has(server.url)) continue;
      done.add(server.url);
      names = await listScratchDatabases(server, RESTORE_PREFIX);
    } catch (error) {
      items.push({ server: engine, action: 'failed', detail: `cannot list scratch databases: ${message(error)}` });
      continue;
    }
    try {
      serverNow = names.length === 0 ? deps.nowMs : await deps.serverNowMs(server);
    } catch (error) {
      // Without the server's word no database is taken for left behind.
      items.push({
        server: engine,
        action: 'failed',
        detail: `cannot read the scratch server's clock: ${message(error)}`,
      });
      continue;
    }
    const where = describeServer(engine, server.url);
    const iso = (ms: number) => new Date(ms).toISOString();
    for (const database of names) {
      const deadline = scratchDeadline(database);
      if (deadline === undefined || deadline > deps.nowMs || deadline > serverNow) {
        const detail =
          deadline === undefined
            ? 'its name carries no deadline: drop it by hand once no restore test runs'
            : deadline > deps.nowMs
              ? `within its run's deadline ${iso(deadline)}: may be in use`
              : `past its run's deadline ${iso(deadline)} by this run's clock but not by the server's (${iso(serverNow)}): may be in use`;
        items.push({ server: where, database, action: 'kept', detail });
        continue;
      }
      const evidence = { deadline: new Date(deadline).toISOString(), reason: 'left behind past its deadline' };
      const gone = await dropGuarded(deps.act, server, database, evidence, ScratchActions.sweep);
      items.push({ server: where, database, action: gone.status, detail: gone.detail });
    }
  }
  return items;
}

/** One line for a run's summary, or undefined when the sweep found nothing worth a mention. */
export function describeSweep(items: SweepItem[]): string | undefined {
  const count = (action: SweepItem['action'], listed = true) =>
    items.filter((i) => i.action === action && (i.database !== undefined) === listed).length;
  const stuck = count('refused') + count('failed');
  const parts = [
    count('dropped') > 0 && `${count('dropped')} left-behind scratch database(s) dropped`,
    count('dry-run') > 0 && `${count('dry-run')} would be dropped`,
    stuck > 0 && `${stuck} could not be dropped`,
    count('failed', false) > 0 && `could not look on ${count('failed', false)} scratch server(s)`,
  ].filter((p) => typeof p === 'string');
  return parts.length === 0 ? undefined : `sweep: ${parts.join(', ')}`;
}
