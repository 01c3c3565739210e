import type * as z from 'zod';
import type { AssertStepSchema, RestoreDumpStepSchema } from '../../../shared/config/sections/drills.js';
import { withDatabase } from '../../../shared/databases/connection.js';
import type { NamedStep } from '../plan.js';
import { type StepEnv, type StepResult, scratchServer } from './types.js';

type AssertStep = z.infer<typeof AssertStepSchema> & NamedStep;
type RestoreStep = z.infer<typeof RestoreDumpStepSchema> & NamedStep;

/** `db.assert`: read-only SQL assertions against the copy an earlier `db.restoreDump` made. */
export async function runAssert(env: StepEnv, step: AssertStep): Promise<StepResult> {
  const index = env.steps.findIndex((s) => s.name === step.name);
  const restore = env.steps
    .slice(0, index)
    .filter((s): s is RestoreStep => s.step === 'db.restoreDump' && (step.of === undefined || s.name === step.of))
    .at(-1);
  const record = env.drill.steps.find((s) => s.name === restore?.name);
  const database = record?.data?.database;
  if (!restore || record?.status !== 'ok' || typeof database !== 'string') {
    return {
      status: 'fail',
      detail: `no restored copy to check: step "${restore?.name ?? step.of ?? 'db.restoreDump'}" did not finish`,
    };
  }
  const server = await scratchServer(env, restore.scratch);
  const results = await env.ports.assertions(
    { engine: server.engine, name: database, url: withDatabase(server.url, database) },
    step.assertions,
    step.timeout,
  );
  const failed = results.filter((r) => r.status !== 'ok');
  const lines = results.map((r) => `${r.status === 'ok' ? '✓' : '✗'} ${r.name}: ${r.detail}`);
  return {
    status: failed.length === 0 ? 'ok' : 'fail',
    detail: `${results.length - failed.length}/${results.length} assertions passed on ${database}: ${lines.join('; ')}`,
    data: { database, assertions: results },
  };
}
