import { join } from 'node:path';
import { Cron } from 'croner';
import type { Estate, EstateSchema, ScheduledEstate } from '../../core/config/index.js';
import { ConfigError, effectiveSchedules, loadSchedules } from '../../core/config/index.js';
import {
  GuardKeys,
  type PauseRecord,
  pauseFilePath,
  readPauseFile,
  removePauseFile,
  writePauseFile,
} from '../../core/guard/index.js';
import type { Runtime } from '../runtime/index.js';
import { loadConfig, packageRoot } from '../runtime/index.js';
import { ExitCodes, UsageError } from './exit-codes.js';
import type { CliIo } from './io.js';

/** What an estate's state store cannot do, said when its config validates, so nobody learns it from an incident. */
export function stateNotes(estate: Estate): string[] {
  if (estate.state !== 'memory') return [];
  const pause = estate.guard.pauseFile
    ? `use POST /control/pause on it, or create ${estate.guard.pauseFile} (guard.pauseFile)`
    : 'use POST /control/pause on it, or set guard.pauseFile for a kill switch that survives restarts';
  return [
    'state: memory keeps locks, cooldowns, rate limits, the breaker, idempotency claims and deduplication in one process: lost when it restarts, not shared with a second replica (run one)',
    `state: memory: "opsfn pause" from another process cannot reach a running opsfn serve: ${pause}`,
    'state: memory: work a shutdown interrupted is not delivered again at the next start',
  ];
}

/** `opsfn config validate [F...]`: 0 when every file validates against the estate schema, 2 with each error otherwise. */
export async function validateCommand(schema: EstateSchema, files: string[], io: CliIo): Promise<number> {
  const sources = files.length > 0 ? files : [io.env.OPSFN_CONFIG ?? 'opsfn.yaml'];
  let code: number = ExitCodes.ok;
  for (const source of sources) {
    try {
      const estate: Estate = await loadConfig(schema, source, { env: io.env });
      const services = Object.keys(estate.services).length;
      io.out(
        `${source}: valid (estate ${estate.estate}, ${services} service${services === 1 ? '' : 's'}, mode ${estate.mode})\n`,
      );
      for (const note of stateNotes(estate)) io.out(`  note: ${note}\n`);
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
 * `opsfn schedules [--json] [--schedules DIR]`: the jobs of `DIR` (else the packaged `schedules/`) with the
 * estate's overrides applied, their next run in their time zone, and where each value came from (the estate's
 * `schedules`, the job file, the estate's timezone); an override naming none of those jobs is refused.
 */
export async function schedulesCommand(
  json: boolean,
  estate: ScheduledEstate,
  io: CliIo,
  dir?: string,
): Promise<number> {
  const from = dir ?? join(packageRoot(), 'schedules');
  const jobs = effectiveSchedules(await loadSchedules(from), estate, from);
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
    const unpaused = r.from.paused === 'estate' ? ' (unpaused: estate)' : '';
    const when = r.next ? `next ${r.next}${unpaused}` : `paused ${tag(r.from.paused)}`;
    const payload = r.from.payload === 'estate' ? ` payload ${JSON.stringify(r.payload)} (estate)` : '';
    io.out(
      `${r.name.padEnd(24)} ${r.function.padEnd(13)} ${`${r.schedule} ${tag(r.from.schedule)}`.padEnd(26)} ${`${r.timeZone} ${tag(r.from.timeZone)}`.padEnd(30)} ${when}${payload}\n`,
    );
  }
  return ExitCodes.ok;
}

/**
 * `opsfn pause [function] --reason R` / `opsfn resume [function]`: the kill switch. With a shared state store it
 * is kept there, so every instance sees it; with memory state it is the pause file (`guard.pauseFile`) the running
 * `opsfn serve` reads, and without one it is refused, naming what works instead.
 */
export async function controlCommand(
  runtime: Runtime,
  verb: 'pause' | 'resume',
  fn: string | undefined,
  reason: string | undefined,
  io: CliIo,
): Promise<number> {
  // The name was checked against the registry: no function is loaded here, so a broken section cannot block this.
  const { pauseFile } = runtime.config.guard;
  const who = fn ?? 'every function';
  const record = pauseRecord(runtime, reason, io);
  // Who threw or lifted the kill switch, in the audit trail as over POST /control, wherever the switch is kept.
  const audit = () =>
    runtime.logger(fn ?? 'control').audit({
      decision: 'done',
      action: verb,
      target: who,
      reason: reason ?? `${verb} through opsfn ${verb}`,
      evidence: { by: `cli:${record.by}` },
    });
  if (runtime.config.state === 'memory') {
    if (pauseFile === undefined) {
      throw new UsageError(
        `${verb} cannot reach a running opsfn serve with memory state (its kill switch lives in that process): call POST /control/${verb} on it, or set guard.pauseFile and run this again`,
      );
    }
    if (verb === 'pause') {
      const path = await writePauseFile(pauseFile, fn, record);
      audit();
      io.out(`paused ${who}: ${path} exists, mutations are refused until "opsfn resume${fn ? ` ${fn}` : ''}"\n`);
    } else {
      const removed = await removePauseFile(pauseFile, fn);
      audit();
      io.out(removed ? `resumed ${who}: removed ${pauseFilePath(pauseFile, fn)}\n` : `${who} was not paused\n`);
    }
    return ExitCodes.ok;
  }
  const key = fn ? GuardKeys.pausedFunction(fn) : GuardKeys.paused;
  if (verb === 'pause') await runtime.state.put(key, record);
  else await runtime.state.delete(key);
  audit();
  if (verb === 'pause') {
    io.out(`paused ${who}: mutations are refused until "opsfn resume${fn ? ` ${fn}` : ''}"\n`);
    return ExitCodes.ok;
  }
  io.out(`resumed ${who}\n`);
  const held = pauseFile === undefined ? undefined : await readPauseFile(pauseFile, fn);
  if (held)
    io.err(`note: ${held.by?.slice('file:'.length) ?? 'a pause file'} still pauses on this host: remove it too\n`);
  // A pause of the other scope still holds: resuming one function leaves "every function" paused, and the reverse.
  const still = await pausedElsewhere(runtime, fn);
  if (still.length > 0) {
    io.err(
      `note: ${fn ?? 'functions'} still paused by a pause of ${still.join(', ')}: resume ${fn ? 'without a function' : 'each'} too\n`,
    );
    return ExitCodes.fail;
  }
  return ExitCodes.ok;
}

/** The pauses in the state store of the scope `fn` is not: every function's for one function, single ones for all. */
async function pausedElsewhere(runtime: Runtime, fn: string | undefined): Promise<string[]> {
  if (fn) return (await runtime.state.get<PauseRecord>(GuardKeys.paused)) ? ['every function'] : [];
  const prefix = GuardKeys.pausedFunction('');
  return (await runtime.state.keys(prefix)).map((key) => key.slice(prefix.length));
}

function pauseRecord(runtime: Runtime, reason: string | undefined, io: CliIo): PauseRecord {
  return { reason: reason ?? 'paused by an operator', at: runtime.now().toISOString(), by: io.env.USER ?? 'cli' };
}
