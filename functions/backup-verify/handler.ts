import * as z from 'zod';
import { openObjectStore } from '../../shared/adapters/storage/index.js';
import { NameSchema } from '../../shared/core/config/index.js';
import { NotFoundError } from '../../shared/core/errors/index.js';
import type { Context } from '../../shared/core/run/index.js';
import { defineFunction, describeSome, uniqueList } from '../../shared/core/run/index.js';
import { readPersistenceInfo } from './adapters/redis-info.js';
import { createSqlAdminClient } from './adapters/sqladmin-client.js';
import { sweepOnly, verifyBackups } from './run-backups.js';
import { selfTest } from './self-test/self-test.js';

/** Payload of a scheduled or manual run. */
export const BackupVerifyInputSchema = z.strictObject({
  /** Verify only these backups (default: all); a name given twice is verified once. */
  backups: uniqueList(NameSchema, 'backups', 1).optional(),
  /** Run the self-test instead of verifying backups. */
  selfTest: z.boolean().optional(),
  /** Run restore tests now, whatever `restoreEvery` says. */
  restore: z.boolean().optional(),
  /** Only drop scratch databases that runs left behind past their deadline (`opsfn sweep`). */
  sweep: z.boolean().optional(),
});
export type BackupVerifyInput = z.infer<typeof BackupVerifyInputSchema>;

async function run(ctx: Context, input: BackupVerifyInput | undefined) {
  if (input?.selfTest) return selfTest(ctx);
  if (input?.sweep) return sweepOnly(ctx);
  const configured = Object.keys(ctx.config.backups);
  const names = input?.backups ?? configured;
  const unknown = names.filter((n) => !configured.includes(n));
  if (unknown.length > 0) {
    throw new NotFoundError(
      `unknown backup(s): ${describeSome(unknown)} (configured: ${describeSome(configured) || 'none'})`,
    );
  }
  return verifyBackups(
    ctx,
    { names },
    {
      config: ctx.config,
      runId: ctx.runId,
      now: () => ctx.now().getTime(),
      signal: ctx.signal,
      state: ctx.state,
      secret: (ref) => ctx.secret(ref),
      openStore: openObjectStore,
      sqlAdmin: (timeoutMs) => createSqlAdminClient(ctx.config.endpoints.sqladmin, timeoutMs, ctx.signal),
      redisInfo: readPersistenceInfo,
      forceRestore: input?.restore === true,
      act: ctx.act,
    },
  );
}

/** backupVerify: proves every configured backup is fresh, complete and restorable. */
export const backupVerify = defineFunction<BackupVerifyInput>({
  name: 'backupVerify',
  description:
    'Prove every backup is fresh, complete and restorable (Cloud SQL, object-store dumps, Redis, restore tests).',
  triggers: ['scheduled', 'manual'],
  input: BackupVerifyInputSchema,
  run,
});

export { selfTest };
