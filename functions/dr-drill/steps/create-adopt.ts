import { answerStatusOf, pollOperation } from '../../../shared/adapters/google/index.js';
import { OpsError } from '../../../shared/core/errors/index.js';
import type { ResourceRecord, StepRecord } from '../model.js';
import { type PolledOperation, pollStored, remember } from './pending.js';
import { message, type StepEnv } from './types.js';

/** How long an instance whose create answer was lost is looked for, at most (and no longer than the step's timeout). */
const LOST_ANSWER_GRACE_MS = 5 * 60_000;

/** What Google says of a create whose name is taken: `ALREADY_EXISTS`; SQL Admin's reason `instanceAlreadyExists`. */
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

/** How long the step looks for a resource whose create answer was lost: 5 minutes, or the step's timeout if less. */
export const lostAnswerGrace = (timeoutMs: number) => Math.min(LOST_ANSWER_GRACE_MS, timeoutMs);

/** One cloud resource a step creates (a Cloud SQL clone or instance, a Cloud Run service). */
export interface CreateCall {
  /** The guarded action: `drill.create-cloud-sql`, `drill.create-cloud-run`. */
  action: string;
  /** The resource as recorded before it is created. */
  resource: Pick<ResourceRecord, 'kind' | 'name' | 'project' | 'region'>;
  /** The step data key its operation's name is kept under. */
  key: string;
  call: () => Promise<{ name: string }>;
  evidence: Record<string, unknown>;
  /** More step data to keep with the operation (a clone's point in time, the image deployed). */
  data?: Record<string, unknown>;
}

/**
 * Asks for the resource through the guard and keeps its operation's name under `key`, or, when the answer was lost,
 * the time it was asked (`adoptFrom`), from which `awaitCreated` looks for the resource by its name instead: a
 * retry would only be refused as a duplicate, and a copy nobody knew of would outlive the drill (a clone with
 * production's labels out of the janitor's sight). Returns why nothing was created (refused, dry run), else undefined.
 */
export async function startCreate(env: StepEnv, record: StepRecord, create: CreateCall): Promise<string | undefined> {
  const { action, resource, key, call, evidence, data } = create;
  const target = resource.name;
  const where = {
    instance: target,
    project: resource.project,
    ...(resource.region ? { region: resource.region } : {}),
  };
  await env.track(resource);
  let made: Awaited<ReturnType<typeof env.ctx.act<{ name: string }>>>;
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
      evidence: { drill: env.drill.id, ...where },
    });
    await remember(env, record, { adoptFrom: env.ctx.now().toISOString(), ...where, ...data });
    return undefined;
  }
  if (made.status !== 'done') return `${made.status}${'reason' in made ? `: ${made.reason}` : ''}`;
  await env.created(target);
  await remember(env, record, { [key]: made.value.name, ...where, ...data });
  return undefined;
}

/**
 * How a created resource stands: still being made, made, failed, not there (yet), or there but not this drill's
 * (`foreign`: never adopted, never deleted by it).
 */
export type Sighting = 'creating' | 'ready' | { failed: string } | { foreign: string } | 'absent';

type Creation = { state: 'done' } | { state: 'pending' } | { state: 'failed'; error: string };

/** How `awaitCreated` follows a create: its operation by name, the resource by sight, how often and how long. */
export interface Watch {
  operation: (name: string) => Promise<PolledOperation>;
  look: () => Promise<Sighting>;
  intervalMs: number;
  /** The step's timeout: the grace for a lost answer (at most 5 minutes) and the bound of the whole wait. */
  timeoutMs: number;
}

/**
 * Follows what `startCreate` started: its operation, polled; or, its answer lost, the resource itself, looked at by
 * name until it is ready (`look`: a Cloud SQL instance's `PENDING_CREATE` / `RUNNABLE` / `FAILED`, a Cloud Run
 * service's `reconciling` and terminal condition). The first sight of it marks it created, so cleanup deletes it;
 * when it has not appeared within the grace, nothing was created. Still being created `timeoutMs` after the step
 * started, it fails the step rather than keep the drill (and its plan) waiting on an operation that never ends.
 */
export async function awaitCreated(
  env: StepEnv,
  record: StepRecord,
  create: { target: string; key: string },
  watch: Watch,
): Promise<Creation> {
  const { timeoutMs } = watch;
  const started = Date.parse(record.startedAt ?? '');
  const deadline = started + timeoutMs;
  // Polled no longer than the step's timeout allows, whatever this invocation's budget.
  const bounded: StepEnv = { ...env, budgetMs: () => Math.min(env.budgetMs(), deadline - env.ctx.now().getTime()) };
  const result = await follow(bounded, record, create, watch);
  if (result.state === 'pending' && env.ctx.now().getTime() > deadline) {
    const after = `${Math.round(timeoutMs / 1000)}s`;
    const unseen = record.data?.adoptFrom !== undefined && record.data?.adopted !== true;
    const error = unseen
      ? `its answer was lost and ${create.target} did not appear within ${after} of the step's start (its timeout)`
      : `${create.target} was still being created ${after} after the step started (its timeout)`;
    return { state: 'failed', error };
  }
  return result;
}

async function follow(
  env: StepEnv,
  record: StepRecord,
  create: { target: string; key: string },
  watch: Watch,
): Promise<Creation> {
  const { target, key } = create;
  const { operation, look, intervalMs, timeoutMs } = watch;
  if (typeof record.data?.[key] === 'string') return pollStored(env, record, key, intervalMs, operation);
  const since = Date.parse(String(record.data?.adoptFrom));
  const graceMs = lostAnswerGrace(timeoutMs);
  const once = async (): Promise<Creation> => {
    const seen = await look();
    if (seen === 'absent') {
      if (env.ctx.now().getTime() - since <= graceMs) return { state: 'pending' };
      const waited = `${Math.round(graceMs / 1000)}s`;
      return { state: 'failed', error: `its answer was lost and ${target} did not appear within ${waited}` };
    }
    if (typeof seen === 'object' && 'foreign' in seen) return { state: 'failed', error: seen.foreign };
    if (record.data?.adopted !== true) {
      await env.created(target);
      await remember(env, record, { adopted: true });
    }
    if (typeof seen === 'object') return { state: 'failed', error: seen.failed };
    return seen === 'creating' ? { state: 'pending' } : { state: 'done' };
  };
  const { operation: last } = await pollOperation(once, (c) => c.state !== 'pending', {
    intervalMs,
    timeLeft: () => env.budgetMs(),
    sleep: (ms) => env.ports.sleep(ms, env.ctx.signal),
  });
  return last;
}

/**
 * Whether cleanup must wait for a resource whose create answer was lost (step data `adoptFrom`): while it is being
 * created, and, within the grace its step gives it, while it is not there (yet) or cannot be looked at, since it
 * may still appear and must not be left. A reason to wait, or undefined.
 */
export async function adoptionInFlight(
  env: StepEnv,
  record: StepRecord,
  name: string,
  look: () => Promise<Sighting>,
  timeoutMs: number,
): Promise<string | undefined> {
  if (record.data?.adoptFrom === undefined) return undefined;
  const seen = await look().catch(() => undefined);
  if (seen === 'creating') return `the creation of ${name}`;
  const since = Date.parse(String(record.data.adoptFrom));
  if ((seen === undefined || seen === 'absent') && env.ctx.now().getTime() - since <= lostAnswerGrace(timeoutMs))
    return `the create of ${name}, whose answer was lost, to show`;
  return undefined;
}
