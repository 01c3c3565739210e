import * as z from '../schema/index.js';

/**
 * Loads one dump into a scratch database a function has already created (through its guard): the part of a
 * restore that can outlast an invocation. Where the dump and the server are is given as paths into the estate
 * config, never as values, so no URL or credential travels in a job execution's environment.
 */
export const RestoreLoadTaskSchema = z.lazy(() => {
  const configPath = z
    .array(z.union([z.string().check(z.maxLength(200)), z.number().check(z.int(), z.gte(0))]))
    .check(z.minLength(1), z.maxLength(12));
  return z.strictObject({
    kind: z.literal('restore-load'),
    /** Path of the backup entry (`url`, `endpoint`, `region`, `credentials`): `['backups', 'orders']`. */
    store: configPath,
    /** The dump's object key. */
    key: z.string().check(z.minLength(1), z.maxLength(2_000)),
    /** Path of the scratch server (`{ postgres: … }` or `{ mysql: … }`). */
    scratch: configPath,
    database: z.string().check(z.regex(/^[a-z0-9_]{1,63}$/, 'expected a scratch database name')),
    loader: z.optional(z.string().check(z.regex(/^[a-z0-9_]{1,63}$/))),
    timeoutMs: z.number().check(z.int(), z.positive()),
    idleTimeoutMs: z.number().check(z.int(), z.positive()),
    stripOwnership: z.boolean(),
  });
});
export type RestoreLoadTask = z.infer<typeof RestoreLoadTaskSchema>;

/**
 * Work that runs as a job of its own (a Cloud Run Job execution, or a child process locally). Built by the
 * job's own parse (`z.lazy`), not at the import of every function that starts one.
 */
export const JobTaskSchema = z.lazy(() => z.discriminatedUnion('kind', [RestoreLoadTaskSchema]));
export type JobTask = z.infer<typeof JobTaskSchema>;

/** What a job writes under {@link jobResultKey} before it exits. */
export interface JobResult {
  status: 'ok' | 'fail';
  detail: string;
  data?: Record<string, unknown>;
}

/** Where a job's result is kept in the state store. */
export const jobResultKey = (id: string): string => `job:${id}:result`;

/** One execution of a job, as its runner reports it. */
export interface JobExecution {
  /** The runner's name for it (`projects/…/executions/…`, `local:<pid>`). */
  name: string;
  state: 'running' | 'succeeded' | 'failed';
  /** Why it failed, as the platform says. */
  message?: string;
  /** The job's result when the runner has it at hand (a child process hands it over); else it is in state. */
  result?: JobResult;
}

/** Starts jobs and reports on their executions: Cloud Run Jobs when deployed, child processes locally. */
export interface JobRunner {
  /**
   * Whether its jobs run in an image of their own (a Cloud Run Job built with the restore clients), not
   * beside this process: then every restore load goes to a job, since this process (a Cloud Function) may
   * have no client, and the job checks its own.
   */
  readonly remote: boolean;
  /** Starts an execution of `task`; its result is written under `jobResultKey(id)`. */
  start(id: string, task: JobTask): Promise<JobExecution>;
  /** Where an execution stands. */
  get(name: string): Promise<JobExecution>;
  /**
   * Ends what the runner holds when its process stops: a local runner stops its child processes (SIGTERM,
   * which aborts a load, then SIGKILL), so none outlives the process that would report it.
   */
  close?(): Promise<void>;
}

/**
 * The result of a finished execution: the one the runner handed over, else the one the job wrote to state;
 * a failed execution fails whatever it wrote. Undefined while it runs.
 */
export async function jobOutcome(
  state: { get<T>(key: string): Promise<T | undefined> },
  execution: JobExecution,
  id: string,
): Promise<JobResult | undefined> {
  if (execution.state === 'running') return undefined;
  const result = execution.result ?? (await state.get<JobResult>(jobResultKey(id)));
  if (execution.state === 'failed') {
    const why = execution.message ?? 'failed';
    return { status: 'fail', detail: `job execution ${execution.name}: ${why}${result ? `; ${result.detail}` : ''}` };
  }
  return result ?? { status: 'fail', detail: `job execution ${execution.name} succeeded but left no result` };
}

/**
 * Whether work bounded by `timeoutMs` goes to a job: with a runner, when it may outlast the invocation's own
 * bound, and always when the runner's jobs run in an image of their own (where the restore clients are).
 */
export const runsAsJob = (jobs: JobRunner | undefined, timeoutMs: number, invocationMs: number): jobs is JobRunner =>
  jobs !== undefined && (jobs.remote || timeoutMs > invocationMs);
