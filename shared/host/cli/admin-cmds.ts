import { join } from 'node:path';
import { Cron } from 'croner';
import type { Estate, EstateSchema } from '../../core/config/index.js';
import { ConfigError, loadSchedules } from '../../core/config/index.js';
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

/** `opsfn schedules [--json]`: the jobs of `schedules/` with their next run in their time zone. */
export async function schedulesCommand(json: boolean, timezone: string, io: CliIo, dir?: string): Promise<number> {
  const jobs = await loadSchedules(dir ?? join(packageRoot(), 'schedules'));
  const rows = jobs.map((job) => {
    const timeZone = job.timeZone ?? timezone;
    const next = job.paused ? null : new Cron(job.schedule, { timezone: timeZone, paused: true }).nextRun();
    return {
      name: job.name,
      function: job.function,
      schedule: job.schedule,
      timeZone,
      paused: job.paused,
      next: next?.toISOString() ?? null,
    };
  });
  if (json) io.out(`${JSON.stringify(rows, null, 2)}\n`);
  else
    for (const r of rows)
      io.out(
        `${r.name.padEnd(24)} ${r.function.padEnd(14)} ${r.schedule.padEnd(16)} ${r.timeZone.padEnd(18)} next ${r.next ?? 'paused'}\n`,
      );
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
