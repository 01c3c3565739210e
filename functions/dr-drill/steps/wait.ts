import type { z } from 'zod';
import type { WaitStepSchema } from '../../../shared/config/sections/drills.js';
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
