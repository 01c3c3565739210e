import type { FunctionDefinition } from '../../shared/core/run/index.js';
import { defineFunction, depsOnFirstRun } from '../../shared/core/run/index.js';
import type { BackupVerifyDeps } from './deps.js';
import { type BackupVerifyInput, BackupVerifyInputSchema } from './input.js';

/** Builds backupVerify over the given dependencies (object stores, SQL Admin, Redis). */
export function createBackupVerify(deps?: BackupVerifyDeps): FunctionDefinition<BackupVerifyInput> {
  // The run and the production dependencies (object stores, restore clients, SQL Admin) load on the first run.
  const depsOf = depsOnFirstRun(deps, async () => (await import('./deps.js')).defaultBackupVerifyDeps());
  return defineFunction<BackupVerifyInput>({
    name: 'backupVerify',
    description:
      'Prove every backup is fresh, complete and restorable (Cloud SQL, object-store dumps, Redis, restore tests).',
    triggers: ['scheduled', 'manual'],
    input: BackupVerifyInputSchema,
    flags: [{ flag: 'self-test', field: 'selfTest', type: 'boolean' }],
    // A shard whose every delivery failed is reported failed at once (shared/core/run/fanout.ts).
    deadLetters: true,
    run: async (ctx, input) => {
      const [{ runBackupVerify }, resolved] = await Promise.all([import('./verify-run.js'), depsOf()]);
      return runBackupVerify(ctx, input, resolved);
    },
  });
}

/** backupVerify with production dependencies, as registered with the runtime. */
export const backupVerify = createBackupVerify();
