import { createWriteStream } from 'node:fs';
import { createLogger } from '../../core/audit/index.js';
import { type EstateSchema, formatZodIssues } from '../../core/config/index.js';
import { errorMessage } from '../../core/errors/index.js';
import { type JobResult, JobTaskSchema, jobResultKey } from '../../core/run/index.js';
import { createStateStore } from '../../core/state/index.js';
import { loadConfig, secretsOf } from '../runtime/index.js';
import { runRestoreLoad } from './restore-load.js';

/** How long a job's result is kept for the function that polls it. */
const RESULT_TTL_MS = 7 * 86_400_000;

/** What {@link runJobProcess} takes: the estate schema (common part, sections unchecked) and the environment. */
export interface JobProcessOptions {
  schema: EstateSchema;
  env?: NodeJS.ProcessEnv;
  /** Where log lines go; stdout (Cloud Logging) by default. */
  logSink?: (line: string) => void;
}

/**
 * A job's process, as a Cloud Run Job task or a local child runs it: reads its task from `OPSFN_JOB_TASK`
 * and its id from `OPSFN_JOB_ID`, the estate from `OPSFN_CONFIG`, runs the task (SIGTERM aborts it) and
 * writes the result to the state store (and to fd `OPSFN_JOB_RESULT_FD` for a local parent). Returns the
 * exit code: 0 once a result is written, whatever it says; 2 for a malformed task; 1 when nothing could be.
 */
export async function runJobProcess(options: JobProcessOptions): Promise<number> {
  const env = options.env ?? process.env;
  const id = env.OPSFN_JOB_ID ?? '';
  const write = options.logSink ?? ((line: string) => process.stdout.write(`${line}\n`));
  let task: ReturnType<typeof JobTaskSchema.parse>;
  try {
    if (!/^[A-Za-z0-9:._-]{1,200}$/.test(id)) throw new Error('OPSFN_JOB_ID: expected a job id');
    const parsed = JobTaskSchema.safeParse(JSON.parse(env.OPSFN_JOB_TASK ?? ''));
    if (!parsed.success) throw new Error(`OPSFN_JOB_TASK: ${formatZodIssues(parsed.error).join('; ')}`);
    task = parsed.data;
  } catch (error) {
    write(JSON.stringify({ severity: 'ERROR', message: `opsfn job: bad task: ${errorMessage(error)}` }));
    return 2;
  }
  const estate = await loadConfig(options.schema, undefined, { env });
  const { redactor, secret } = secretsOf({ config: estate, env });
  const log = createLogger({ redactor, sink: write, labels: { job: id, estate: estate.estate } });
  const state = await createStateStore(estate.state, { secret, env });
  const abort = new AbortController();
  const stop = () => abort.abort(new Error('the job was stopped (SIGTERM)'));
  process.once('SIGTERM', stop);
  try {
    log.info(`job ${id}: ${task.kind} started`, { task });
    const result: JobResult = await runRestoreLoad(task, estate, secret, abort.signal);
    const scrubbed = redactor.scrubValue(result) as JobResult;
    log.info(`job ${id}: ${result.status}: ${scrubbed.detail}`);
    const fd = Number(env.OPSFN_JOB_RESULT_FD);
    if (Number.isInteger(fd) && fd > 2) {
      await new Promise<void>((done) => createWriteStream('', { fd }).end(JSON.stringify(scrubbed), done));
    }
    await state.put(jobResultKey(id), scrubbed, RESULT_TTL_MS);
    return 0;
  } catch (error) {
    log.error(`job ${id} failed: ${errorMessage(error)}`, { error });
    return 1;
  } finally {
    process.off('SIGTERM', stop);
    await state.close();
  }
}
