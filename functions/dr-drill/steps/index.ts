import type { StepRecord } from '../model.js';
import type { NamedStep } from '../plan.js';
import { runAssert } from './assert.js';
import { runCleanup } from './cleanup.js';
import { runHttpCheck } from './http-check.js';
import { runRestoreDump } from './restore-dump.js';
import { runRunDeploy } from './run-deploy.js';
import { runSqlClone, runSqlRestoreBackup } from './sql.js';
import type { StepEnv, StepResult } from './types.js';
import { runWait } from './wait.js';

/** Runs one step of the library by its kind. */
export function runStep(env: StepEnv, step: NamedStep, record: StepRecord): Promise<StepResult> {
  switch (step.step) {
    case 'db.restoreDump':
      return runRestoreDump(env, step);
    case 'db.assert':
      return runAssert(env, step);
    case 'http.check':
      return runHttpCheck(env, step, record);
    case 'wait':
      return runWait(env, step, record);
    case 'sql.clone':
      return runSqlClone(env, step, record);
    case 'sql.restoreBackup':
      return runSqlRestoreBackup(env, step, record);
    case 'run.deploy':
      return runRunDeploy(env, step, record);
    case 'cleanup':
      return runCleanup(env);
  }
}
