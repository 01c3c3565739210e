import { restoreDump, scratchDatabaseAs } from '../../adapters/databases/index.js';
import { openObjectStore, s3SettingsOf } from '../../adapters/storage/index.js';
import { type Estate, ScratchServerSchema, type SecretRef, SecretRefSchema } from '../../core/config/index.js';
import { BadInputError, errorMessage } from '../../core/errors/index.js';
import type { JobResult, RestoreLoadTask } from '../../core/run/index.js';
import * as z from '../../core/schema/index.js';

// The parts of a backup entry a load reads; the entry's other keys (checks, restore test) are not its business.
const StoreEntrySchema = z.looseObject({
  url: z.string().check(z.regex(/^(gs|s3|file):\/\//, 'expected gs://, s3:// or file://')),
  endpoint: z.optional(z.string()),
  region: z.optional(z.string()),
  forcePathStyle: z.optional(z.boolean()),
  credentials: z.optional(z.strictObject({ accessKeyId: SecretRefSchema, secretAccessKey: SecretRefSchema })),
});

/** The value at `path` in the estate as parsed, validated by `schema`; a wrong path names itself. */
function at<T>(estate: Estate, path: readonly (string | number)[], schema: z.ZodMiniType<T>): T {
  let value: unknown = estate;
  for (const step of path) value = (value as Record<string | number, unknown> | undefined)?.[step];
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new BadInputError(`config ${path.join('.')}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** Runs a `restore-load` task: the dump streamed into its scratch database, as a restore inside a run would. */
export async function runRestoreLoad(
  task: RestoreLoadTask,
  estate: Estate,
  secret: (ref: SecretRef) => Promise<string>,
  signal: AbortSignal,
): Promise<JobResult> {
  try {
    const entry = at(estate, task.store, StoreEntrySchema);
    const scratch = at(estate, task.scratch, ScratchServerSchema);
    const engine = 'postgres' in scratch ? 'postgres' : 'mysql';
    const ref = 'postgres' in scratch ? scratch.postgres : scratch.mysql;
    const url = typeof ref === 'string' ? ref : await secret(ref);
    const { store } = await openObjectStore(entry.url, {
      endpoints: estate.endpoints,
      secret,
      s3: s3SettingsOf(entry),
    });
    const source = await store.read(task.key, { signal });
    const db = scratchDatabaseAs({ engine, url }, task.database, task.loader);
    const stats = await restoreDump(source, db, {
      timeoutMs: task.timeoutMs,
      idleTimeoutMs: task.idleTimeoutMs,
      signal,
      stripOwnership: task.stripOwnership,
    });
    const seconds = Math.round(stats.durationMs / 100) / 10;
    return {
      status: 'ok',
      detail: `${task.key} (${stats.bytes} bytes) restored into ${task.database} in ${seconds}s`,
      data: {
        bytes: stats.bytes,
        durationMs: stats.durationMs,
        ...(stats.rows === undefined ? {} : { rows: stats.rows }),
      },
    };
  } catch (error) {
    return { status: 'fail', detail: errorMessage(error) };
  }
}
