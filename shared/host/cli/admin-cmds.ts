import { join } from 'node:path';
import { Cron } from 'croner';
import type { Estate, EstateSchema, ScheduledEstate } from '../../core/config/index.js';
import { ConfigError, effectiveSchedules, loadSchedules } from '../../core/config/index.js';
import { GuardKeys, type PauseRecord } from '../../core/guard/index.js';
import type { Runtime } from '../runtime/index.js';
import { loadConfig, packageRoot } from '../runtime/index.js';
import { ExitCodes, UsageError } from './exit-codes.js';
import type { CliIo } from './io.js';

/** `opsfn config validate [F...]`: 0 when every file validates against the estate schema, 2 with each error otherwise. */
export async function validateCommand(schema: EstateSchema, files: string[], io: CliIo): Promise<number> {
  const sources = files.length > 0 ? files : [io.env.OPSFN_CONFIG ?? 'opsfn.yaml'];
  let code: number = ExitCodes.ok;
  for (const source of sources) {
    try {
      const estate: Estate = await loadConfig(schema, source, { env: io.env });
      io.out(
        `${source}: valid (estate ${estate.estate}, ${Object.keys(estate.services).length} services, mode ${estate.mode})\n`,
      );
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      io.err(`${error.message}\n`);
      code = ExitCodes.usage;
    }
  }
  return code;
}

const SOURCE_TAG = { estate: 'estate', 'job file': 'job', 'estate timezone': 'estate tz' } as const;

/**
 * `opsfn schedules [--json]`: the jobs of `schedules/` with the estate's overrides applied, their next run in
 * their time zone, and where each value came from (the estate's `schedules`, the job file, the estate's timezone).
 */
export async function schedulesCommand(
  json: boolean,
  estate: ScheduledEstate,
  io: CliIo,
  dir?: string,
): Promise<number> {
  const jobs = effectiveSchedules(await loadSchedules(dir ?? join(packageRoot(), 'schedules')), estate);
  const rows = jobs.map((job) => {
    const next = job.paused ? null : new Cron(job.schedule, { timezone: job.timeZone, paused: true }).nextRun();
    return {
      name: job.name,
      function: job.function,
      schedule: job.schedule,
      timeZone: job.timeZone,
      paused: job.paused,
      payload: job.payload,
      next: next?.toISOString() ?? null,
      from: job.from,
    };
  });
  if (json) {
    io.out(`${JSON.stringify(rows, null, 2)}\n`);
    return ExitCodes.ok;
  }
  const tag = (source: keyof typeof SOURCE_TAG) => `(${SOURCE_TAG[source]})`;
  for (const r of rows) {
    const when = r.next ? `next ${r.next}` : `paused ${tag(r.from.paused)}`;
    const payload = r.from.payload === 'estate' ? ` payload ${JSON.stringify(r.payload)} (estate)` : '';
    io.out(
      `${r.name.padEnd(22)} ${r.function.padEnd(13)} ${`${r.schedule} ${tag(r.from.schedule)}`.padEnd(26)} ${`${r.timeZone} ${tag(r.from.timeZone)}`.padEnd(30)} ${when}${payload}\n`,
    );
  }
  return ExitCodes.ok;
}

/**
 * `opsfn pause [function] --reason R` / `opsfn resume [function]`: the kill switch, kept in the
 * shared state store so every instance sees it. Refused with memory state, where it would be a no-op.
 */
export async function controlCommand(
  runtime: Runtime,
  verb: 'pause' | 'resume',
  fn: string | undefined,
  reason: string | undefined,
  io: CliIo,
): Promise<number> {
  if (runtime.config.state === 'memory') {
    throw new UsageError(
      `${verb} needs a shared state store: set state.redis in the config (memory state lives in one process only)`,
    );
  }
  if (fn) runtime.find(fn);
  const key = fn ? GuardKeys.pausedFunction(fn) : GuardKeys.paused;
  if (verb === 'pause') {
    const record: PauseRecord = {
      reason: reason ?? 'paused by an operator',
      at: runtime.now().toISOString(),
      by: io.env.USER ?? 'cli',
    };
    await runtime.state.put(key, record);
    io.out(`paused ${fn ?? 'every function'}: mutations are refused until "opsfn resume${fn ? ` ${fn}` : ''}"\n`);
  } else {
    await runtime.state.delete(key);
    io.out(`resumed ${fn ?? 'every function'}\n`);
  }
  return ExitCodes.ok;
}
