import { pollOperation } from '../../../shared/adapters/google/index.js';
import type * as z from '../../../shared/core/schema/index.js';
import type { WaitStepSchema } from '../config.js';
import type { StepRecord } from '../model.js';
import type { NamedStep } from '../plan.js';
import type { StepEnv, StepResult } from './types.js';

type WaitStep = z.infer<typeof WaitStepSchema> & NamedStep;

/** `wait`: sleeps within this invocation's budget and hands the rest of a long pause to the next one. */
export async function runWait(env: StepEnv, step: WaitStep, record: StepRecord): Promise<StepResult> {
  const until = Date.parse(record.startedAt ?? env.ctx.now().toISOString()) + step.duration;
  const left = until - env.ctx.now().getTime();
  const nap = Math.min(Math.max(left, 0), Math.max(env.budgetMs(), 0));
  if (nap > 0) await env.ports.sleep(nap, env.ctx.signal);
  const stillLeft = until - env.ctx.now().getTime();
  if (stillLeft > 0) return { status: 'pending', detail: `waiting until ${new Date(until).toISOString()}` };
  return { status: 'ok', detail: `waited ${Math.round(step.duration / 1000)}s` };
}

/** A cloud operation as steps poll it. */
export interface PolledOperation {
  done: boolean;
  error?: string;
}

/**
 * Polls the operation whose name the step stored under `data[key]` until it finishes or this
 * invocation's budget runs out: `done`, `failed` (with the API's message) or `pending`.
 */
export async function pollStored(
  env: StepEnv,
  record: StepRecord,
  key: string,
  intervalMs: number,
  get: (name: string) => Promise<PolledOperation>,
): Promise<{ state: 'done' } | { state: 'failed'; error: string } | { state: 'pending' }> {
  const name = String(record.data?.[key] ?? '');
  // The budget, not the signal, ends the wait: what is left is polled again by the next invocation.
  const { operation, finished } = await pollOperation(
    () => get(name),
    (op) => op.done,
    { intervalMs, timeLeft: () => env.budgetMs(), sleep: (ms) => env.ports.sleep(ms, env.ctx.signal) },
  );
  if (!finished) return { state: 'pending' };
  return operation.error ? { state: 'failed', error: operation.error } : { state: 'done' };
}

/** Stores a value in the step's data and persists the drill at once (an operation name must survive a crash). */
export async function remember(env: StepEnv, record: StepRecord, values: Record<string, unknown>): Promise<void> {
  record.data = { ...record.data, ...values };
  await env.save();
}
