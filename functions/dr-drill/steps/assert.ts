import type * as z from '../../../shared/core/schema/index.js';
import type { AssertStepSchema } from '../config.js';
import { leavesReadableCopy, type NamedStep } from '../plan.js';
import { copyDatabase } from './copy.js';
import type { StepEnv, StepResult } from './types.js';

type AssertStep = z.infer<typeof AssertStepSchema> & NamedStep;

/**
 * `db.assert`: read-only SQL assertions against the copy an earlier step made: a `db.restoreDump`,
 * or a `sql.clone` / `sql.restoreBackup` with `connect` (the latest, or the one `of` names).
 */
export async function runAssert(env: StepEnv, step: AssertStep): Promise<StepResult> {
  const index = env.steps.findIndex((s) => s.name === step.name);
  const source = env.steps
    .slice(0, index)
    .filter((s) => leavesReadableCopy(s) && (step.of === undefined || s.name === step.of))
    .at(-1);
  const copy = source
    ? await copyDatabase(
        env,
        source,
        env.drill.steps.find((s) => s.name === source.name),
      )
    : { missing: `no earlier step "${step.of ?? 'db.restoreDump'}"` };
  if ('missing' in copy) return { status: 'fail', detail: `no recovered copy to check: ${copy.missing}` };
  const results = await env.ports.assertions(copy, step.assertions, step.timeout);
  const failed = results.filter((r) => r.status !== 'ok');
  const lines = results.map((r) => `${r.status === 'ok' ? '✓' : '✗'} ${r.name}: ${r.detail}`);
  return {
    status: failed.length === 0 ? 'ok' : 'fail',
    detail: `${results.length - failed.length}/${results.length} assertions passed on ${copy.name}: ${lines.join('; ')}`,
    data: { database: copy.name, assertions: results },
  };
}
