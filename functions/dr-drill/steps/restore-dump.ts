import { type ScratchDatabase, scratchDatabaseAs } from '../../../shared/adapters/databases/index.js';
import { s3SettingsOf, selectCandidates } from '../../../shared/adapters/storage/index.js';
import { type Estate, entryOf } from '../../../shared/core/config/index.js';
import { type JobResult, type JobTask, jobOutcome, runsAsJob, withDeadline } from '../../../shared/core/run/index.js';
import type * as z from '../../../shared/core/schema/index.js';
import type { RestoreDumpStepSchema } from '../config.js';
import type { StepRecord } from '../model.js';
import { resourceName } from '../naming.js';
import type { NamedStep } from '../plan.js';
import { recoveredAt } from './copy.js';
import { remember } from './pending.js';
import { message, type StepEnv, type StepResult, scratchServer } from './types.js';

type RestoreStep = z.infer<typeof RestoreDumpStepSchema> & NamedStep;

/**
 * `db.restoreDump`: newest dump → fresh scratch database `opsfn_drill_<id>_<step>`, then the data time for the
 * RPO. A load allowed longer than an invocation runs as a job (see `ctx.jobs`): the step stays pending, each
 * later turn polls the execution, and the step ends like an inline one once the job has.
 */
export async function runRestoreDump(env: StepEnv, step: RestoreStep, record: StepRecord): Promise<StepResult> {
  const { ctx } = env;
  if (typeof record.data?.job === 'string') return awaitLoad(env, step, record);
  const backup = entryOf(ctx.config.backups, step.backup);
  if (backup?.kind !== 'object-store')
    return { status: 'fail', detail: `backup "${step.backup}" is not an object-store backup` };
  const deadline = withDeadline(ctx.signal, step.timeout);
  try {
    return await restoreNewest(env, step, record, backup, deadline.signal);
  } finally {
    deadline.clear();
  }
}

async function restoreNewest(
  env: StepEnv,
  step: RestoreStep,
  record: StepRecord,
  backup: Extract<Estate['backups'][string], { kind: 'object-store' }>,
  signal: AbortSignal,
): Promise<StepResult> {
  const { ctx, drill, ports } = env;
  const { store, location } = await ports.openStore(backup.url, {
    endpoints: ctx.config.endpoints,
    secret: (ref) => ctx.secret(ref),
    s3: s3SettingsOf(backup),
  });
  const listing = await store.list(location.prefix, { signal });
  const newest = selectCandidates(
    listing,
    location.prefix,
    backup.pattern,
    ctx.config.timezone,
    ctx.now().getTime(),
  )[0];
  if (!newest) return { status: 'fail', detail: `no dump matching "${backup.pattern}" under ${backup.url}` };

  const server = await scratchServer(env, step.scratch);
  const place = jobPlace(env, step);
  const asJob = place !== undefined && runsAsJob(ctx.jobs, step.timeout, ctx.config.limits.timeout);
  // Before anything exists: a client that cannot be restricted never gets a dump. A job in an image of its
  // own checks the client there, before it reads the dump.
  try {
    if (!(asJob && ctx.jobs?.remote)) await ports.checkClient(server.engine);
  } catch (error) {
    return { status: 'fail', detail: message(error) };
  }
  const name = resourceName('scratch-db', drill.id, step.name);
  await env.track({ kind: 'scratch-db', name, engine: server.engine, server: step.scratch });
  const made = await ctx.act(
    'drill.create-database',
    name,
    async () => {
      // A crashed earlier attempt may have left a half-loaded copy of this very database.
      await ports.scratch.drop(server, name);
      return ports.scratch.create(server, name);
    },
    { evidence: { drill: drill.id, step: step.name, backup: step.backup, dump: newest.info.key } },
  );
  if (made.status !== 'done')
    return { status: 'fail', detail: `creating ${name} was ${made.status}: ${'reason' in made ? made.reason : ''}` };
  await env.created(name);

  if (asJob && place && ctx.jobs) {
    const jobId = `${drill.id}-${step.name}-${ctx.runId}`;
    const execution = await ctx.jobs.start(jobId, jobTask(place, step, newest.info.key, made.value));
    await remember(env, record, {
      job: execution.name,
      jobId,
      database: name,
      engine: server.engine,
      dump: newest.info.key,
      backupTakenAt: new Date(newest.takenAt).toISOString(),
      ...(made.value.loader === undefined ? {} : { loader: made.value.loader }),
    });
    ctx.log.audit({
      decision: 'decided',
      action: 'drill.restore-job',
      target: name,
      reason: `loading ${newest.info.key} as job execution ${execution.name}`,
    });
    return { status: 'pending', detail: `${newest.name} loading into ${name} as job execution ${execution.name}` };
  }

  // The restore's own timer stops the read: a second timer on the read could hide its `timeout`.
  const source = await store.read(newest.info.key, { signal: ctx.signal });
  const stats = await ports.restore(source, made.value, {
    timeoutMs: step.timeout,
    idleTimeoutMs: step.idleTimeout,
    signal: ctx.signal,
    // The loader owns only the scratch database: production's owners and grants cannot apply.
    stripOwnership: true,
  });
  const base = {
    database: name,
    engine: server.engine,
    dump: newest.info.key,
    bytes: stats.bytes,
    restoreSeconds: Math.round(stats.durationMs / 100) / 10,
    backupTakenAt: new Date(newest.takenAt).toISOString(),
    // Not a secret: `db.assert` logs in as this loader again with a password derived from the scratch URL.
    ...(made.value.loader === undefined ? {} : { loader: made.value.loader }),
  };
  const detail = `${newest.name} (${stats.bytes} bytes) restored into ${name} in ${base.restoreSeconds}s`;
  const read = await recoveredAt(env, made.value, base.backupTakenAt, detail);
  return { status: 'ok', detail: read.detail, data: { ...base, ...read.data } };
}

/**
 * Where a job finds this step's backup and scratch server: their places in the config, never their values;
 * undefined when the live config no longer holds the step as the drill started it, so no path names it.
 */
function jobPlace(env: StepEnv, step: RestoreStep): Pick<JobTask, 'store' | 'scratch'> | undefined {
  const plan = entryOf(env.ctx.config.drills, env.drill.plan);
  const index = env.steps.findIndex((s) => s.name === step.name);
  const live = plan?.steps[index];
  if (live?.step !== 'db.restoreDump' || JSON.stringify(live.scratch) !== JSON.stringify(step.scratch))
    return undefined;
  return { store: ['backups', step.backup], scratch: ['drills', env.drill.plan, 'steps', index, 'scratch'] };
}

/** The job that loads this step's dump into the database the step created. */
function jobTask(
  place: Pick<JobTask, 'store' | 'scratch'>,
  step: RestoreStep,
  key: string,
  db: ScratchDatabase,
): JobTask {
  return {
    kind: 'restore-load',
    ...place,
    key,
    database: db.name,
    ...(db.loader === undefined ? {} : { loader: db.loader }),
    timeoutMs: step.timeout,
    idleTimeoutMs: step.idleTimeout,
    stripOwnership: true,
  };
}

/** How often a later turn asks where the load's job stands. */
const JOB_POLL_MS = 10_000;

/** A later turn of a step whose load runs as a job: polls it within this invocation's budget. */
async function awaitLoad(env: StepEnv, step: RestoreStep, record: StepRecord): Promise<StepResult> {
  const { ctx } = env;
  const data = record.data ?? {};
  const name = String(data.job);
  if (!ctx.jobs)
    return { status: 'fail', detail: `the load runs as job execution ${name}, but this process has no job runner` };
  let outcome: JobResult | undefined;
  for (;;) {
    outcome = await jobOutcome(ctx.state, await ctx.jobs.get(name), String(data.jobId));
    if (outcome || env.budgetMs() < JOB_POLL_MS) break;
    await env.ports.sleep(JOB_POLL_MS, ctx.signal);
  }
  if (!outcome) return { status: 'pending', detail: `loading as job execution ${name}` };
  if (outcome.status === 'fail') return { status: 'fail', detail: outcome.detail };
  const loader = typeof data.loader === 'string' ? data.loader : undefined;
  const db = scratchDatabaseAs(await scratchServer(env, step.scratch), String(data.database), loader);
  const read = await recoveredAt(env, db, String(data.backupTakenAt), outcome.detail);
  return { status: 'ok', detail: read.detail, data: { ...outcome.data, ...read.data } };
}
