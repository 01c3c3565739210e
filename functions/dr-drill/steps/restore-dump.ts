import type * as z from 'zod';
import { selectCandidates } from '../../../shared/adapters/storage/index.js';
import { entryOf } from '../../../shared/core/config/index.js';
import type { RestoreDumpStepSchema } from '../config.js';
import { resourceName } from '../naming.js';
import type { NamedStep } from '../plan.js';
import { recoveredAt } from './copy.js';
import { message, type StepEnv, type StepResult, scratchServer } from './types.js';

type RestoreStep = z.infer<typeof RestoreDumpStepSchema> & NamedStep;

/** `db.restoreDump`: newest dump → fresh scratch database `opsfn_drill_<id>_<step>`, then the data time for the RPO. */
export async function runRestoreDump(env: StepEnv, step: RestoreStep): Promise<StepResult> {
  const { ctx, drill, ports } = env;
  const backup = entryOf(ctx.config.backups, step.backup);
  if (backup?.kind !== 'object-store')
    return { status: 'fail', detail: `backup "${step.backup}" is not an object-store backup` };
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(step.timeout)]);
  const { store, location } = await ports.openStore(backup.url, {
    endpoints: ctx.config.endpoints,
    secret: (ref) => ctx.secret(ref),
    s3: {
      ...(backup.endpoint ? { endpoint: backup.endpoint } : {}),
      ...(backup.region ? { region: backup.region } : {}),
      ...(backup.forcePathStyle !== undefined ? { forcePathStyle: backup.forcePathStyle } : {}),
      ...(backup.credentials ? { credentials: backup.credentials } : {}),
    },
  });
  const listing = await store.list(location.prefix, { signal });
  const newest = selectCandidates(listing, location.prefix, backup.pattern, ctx.config.timezone)[0];
  if (!newest) return { status: 'fail', detail: `no dump matching "${backup.pattern}" under ${backup.url}` };

  const server = await scratchServer(env, step.scratch);
  // Before anything exists: a client that cannot be restricted never gets a dump.
  try {
    await ports.checkClient(server.engine);
  } catch (error) {
    return { status: 'fail', detail: message(error) };
  }
  const name = resourceName('scratch-db', drill.id, step.name);
  await env.track({ kind: 'scratch-db', name, engine: server.engine, server: step.scratch });
  const made = await ctx.act(
    'drill.create-database',
    name,
    async () => {
      // A crashed earlier attempt may have left a half-loaded copy of this very database.
      await ports.scratch.drop(server, name);
      return ports.scratch.create(server, name);
    },
    { evidence: { drill: drill.id, step: step.name, backup: step.backup, dump: newest.info.key } },
  );
  if (made.status !== 'done')
    return { status: 'fail', detail: `creating ${name} was ${made.status}: ${'reason' in made ? made.reason : ''}` };
  await env.created(name);

  // The restore's own timer stops the read: a second timer on the read could hide its `timeout`.
  const source = await store.read(newest.info.key, { signal: ctx.signal });
  const stats = await ports.restore(source, made.value, {
    timeoutMs: step.timeout,
    idleTimeoutMs: step.idleTimeout,
    signal: ctx.signal,
    // The loader owns only the scratch database: production's owners and grants cannot apply.
    stripOwnership: true,
  });
  const base = {
    database: name,
    engine: server.engine,
    dump: newest.info.key,
    bytes: stats.bytes,
    restoreSeconds: Math.round(stats.durationMs / 100) / 10,
    backupTakenAt: new Date(newest.takenAt).toISOString(),
    // Not a secret: `db.assert` logs in as this loader again with a password derived from the scratch URL.
    ...(made.value.loader === undefined ? {} : { loader: made.value.loader }),
  };
  const detail = `${newest.name} (${stats.bytes} bytes) restored into ${name} in ${base.restoreSeconds}s`;
  const read = await recoveredAt(env, made.value, base.backupTakenAt, detail);
  return { status: 'ok', detail: read.detail, data: { ...base, ...read.data } };
}
