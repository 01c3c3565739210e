import { answerStatusOf, pollOperation } from '../../../shared/adapters/google/index.js';
import { OpsError } from '../../../shared/core/errors/index.js';
import type { CloudSqlDrill, SqlInstance, SqlOperation } from '../adapters/cloud-sql.js';
import type { StepRecord } from '../model.js';
import { pollStored, remember } from './pending.js';
import { message, type StepEnv } from './types.js';

/** How long an instance whose create answer was lost is looked for, at most (and no longer than the step's timeout). */
const LOST_ANSWER_GRACE_MS = 5 * 60_000;

/** What SQL Admin says of a create whose name is taken: `ALREADY_EXISTS`, reason `instanceAlreadyExists`. */
const ALREADY_EXISTS = new Set(['ALREADY_EXISTS', 'instanceAlreadyExists']);

/**
 * Whether a create call that threw once it was sent may have been taken all the same: no answer at all (a timeout,
 * a dropped connection) or a 5xx, after which the API may have acted; or a 409 saying the drill's own name exists,
 * which only an earlier attempt of this step can have made (the name carries the drill id), its answer or its record
 * lost to a crash. Another 409 (`operationInProgress`: the source is busy) is an answer, and so is any 4xx.
 */
function mayHaveLanded(error: unknown): boolean {
  const status = answerStatusOf(error);
  if (status === 409) {
    const reasons = error instanceof OpsError ? error.details.reasons : undefined;
    return Array.isArray(reasons) && reasons.some((r) => ALREADY_EXISTS.has(String(r)));
  }
  return status === undefined || status >= 500;
}

/** How long the step looks for an instance whose create answer was lost: 5 minutes, or the step's timeout if less. */
export const lostAnswerGrace = (timeoutMs: number) => Math.min(LOST_ANSWER_GRACE_MS, timeoutMs);

/** One Cloud SQL instance a step creates (a clone, or the scratch instance of a backup restore). */
export interface CreateCall {
  /** The guarded action: `drill.create-cloud-sql`. */
  action: string;
  project: string;
  target: string;
  /** The step data key its operation's name is kept under. */
  key: string;
  call: () => Promise<SqlOperation>;
  evidence: Record<string, unknown>;
  /** More step data to keep with the operation (a clone's point in time). */
  data?: Record<string, unknown>;
}

/**
 * Asks for the instance through the guard and keeps its operation's name under `key`, or, when the answer was lost,
 * the time it was asked (`adoptFrom`), from which `awaitCreated` looks for the instance by its name instead: a
 * retry would only be refused as a duplicate, and a copy nobody knew of would outlive the drill, a clone with
 * production's labels out of the janitor's sight. Returns why nothing was created (refused, dry run), else undefined.
 */
export async function startCreate(env: StepEnv, record: StepRecord, create: CreateCall): Promise<string | undefined> {
  const { action, project, target, key, call, evidence, data } = create;
  await env.track({ kind: 'cloud-sql', name: target, project });
  let made: Awaited<ReturnType<typeof env.ctx.act<SqlOperation>>>;
  // Set as the call goes out: a guardrail that could not decide, or a client that failed to load, sent nothing.
  let sent = false;
  const send = () => {
    sent = true;
    return call();
  };
  try {
    made = await env.ctx.act(action, target, send, { evidence });
  } catch (error) {
    // Cut off by a shutdown, the step runs again from the start: its create then meets the name it made (409).
    if (!sent || env.ctx.signal.aborted || !mayHaveLanded(error)) throw error;
    env.ctx.log.audit({
      decision: 'decided',
      action,
      target,
      reason: `the answer was lost (${message(error)}); looking for ${target} by name rather than asking again`,
      evidence: { drill: env.drill.id, project },
    });
    await remember(env, record, { adoptFrom: env.ctx.now().toISOString(), instance: target, project, ...data });
    return undefined;
  }
  if (made.status !== 'done') return `${made.status}${'reason' in made ? `: ${made.reason}` : ''}`;
  await env.created(target);
  await remember(env, record, { [key]: made.value.name, instance: target, project, ...data });
  return undefined;
}

type Creation = { state: 'done' } | { state: 'pending' } | { state: 'failed'; error: string };

/**
 * Follows what `startCreate` started: its operation, polled; or, its answer lost, the instance itself, read by name
 * until it is `RUNNABLE` (`PENDING_CREATE` while the create runs, `FAILED` when it failed). The first sight of it
 * marks it created, so cleanup deletes it; when it has not appeared within the grace, nothing was created.
 */
export async function awaitCreated(
  env: StepEnv,
  sql: CloudSqlDrill,
  record: StepRecord,
  create: Pick<CreateCall, 'project' | 'target' | 'key'>,
  intervalMs: number,
  timeoutMs: number,
): Promise<Creation> {
  const { project, target, key } = create;
  if (typeof record.data?.[key] === 'string')
    return pollStored(env, record, key, intervalMs, (name) => sql.operation(project, name));
  const since = Date.parse(String(record.data?.adoptFrom));
  const graceMs = lostAnswerGrace(timeoutMs);
  const look = async (): Promise<Creation> => {
    const copy: SqlInstance | undefined = await sql.getInstance(project, target);
    if (!copy) {
      if (env.ctx.now().getTime() - since <= graceMs) return { state: 'pending' };
      const waited = `${Math.round(graceMs / 1000)}s`;
      return { state: 'failed', error: `its answer was lost and ${target} did not appear within ${waited}` };
    }
    if (record.data?.adopted !== true) {
      await env.created(target);
      await remember(env, record, { adopted: true });
    }
    if (copy.state === 'FAILED') return { state: 'failed', error: `${target} is FAILED` };
    return copy.state === 'PENDING_CREATE' ? { state: 'pending' } : { state: 'done' };
  };
  const { operation } = await pollOperation(look, (c) => c.state !== 'pending', {
    intervalMs,
    timeLeft: () => env.budgetMs(),
    sleep: (ms) => env.ports.sleep(ms, env.ctx.signal),
  });
  return operation;
}
