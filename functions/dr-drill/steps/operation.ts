import type { StepRecord } from '../model.js';
import type { StepEnv } from './types.js';

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
  while (true) {
    const op = await get(name);
    if (op.done) return op.error ? { state: 'failed', error: op.error } : { state: 'done' };
    if (env.budgetMs() < intervalMs) return { state: 'pending' };
    await env.ports.sleep(intervalMs, env.ctx.signal);
  }
}

/** Stores a value in the step's data and persists the drill at once (an operation name must survive a crash). */
export async function remember(env: StepEnv, record: StepRecord, values: Record<string, unknown>): Promise<void> {
  record.data = { ...record.data, ...values };
  await env.save();
}
