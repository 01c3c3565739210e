import type { ScratchServerConfig } from '../../../shared/core/config/index.js';
import { deleteResource } from '../delete-resource.js';
import type { ResourceRecord } from '../model.js';
import { databasePrefix } from '../naming.js';
import { adoptionInFlight } from './create-adopt.js';
import { pollStored } from './pending.js';
import { runSighting } from './run-deploy.js';
import { sqlSighting } from './sql-copy.js';
import { message, type StepEnv, type StepResult, scratchServer } from './types.js';

/** The step data keys under which the cloud steps keep the names of the operations they started. */
const OPERATION_KEYS = ['operation', 'insertOperation', 'restoreOperation', 'labelOperation'] as const;

/**
 * An operation the step that made `resource` started on it and that is still running (a clone, create, restore
 * or relabel cut short by a cancel or a failed poll), polled within the invocation's budget: a delete during it
 * is refused, or lands before the create and leaves the copy behind. Waited for no longer than the step's own
 * `timeout` from its start; undefined when nothing runs (or it cannot be told). A Cloud SQL copy whose create
 * answer was lost (no operation known) is in flight while the instance reads `PENDING_CREATE`.
 */
async function operationInFlight(env: StepEnv, resource: ResourceRecord): Promise<string | undefined> {
  if (resource.kind === 'scratch-db') return undefined;
  const record = env.drill.steps.find((s) => s.name === resource.step);
  const step = env.steps.find((s) => s.name === resource.step);
  if (!record?.data || record.status === 'ok' || !step || !('pollInterval' in step)) return undefined;
  const { ctx, ports } = env;
  // A create whose answer was lost: in flight while it is being created, and, within its step's grace, until it shows.
  const adopting = await adoptionInFlight(
    env,
    record,
    resource.name,
    async () =>
      resource.kind === 'cloud-sql'
        ? sqlSighting(
            await ports.cloudSql(ctx.config.endpoints.sqladmin, 60_000, ctx.signal),
            resource.project ?? '',
            resource.name,
          )
        : runSighting(
            await ports.cloudRun(ctx.config.endpoints.run, 60_000, ctx.signal),
            resource.project ?? '',
            resource.region ?? '',
            resource.name,
            env.drill.id,
          ),
    step.timeout,
  );
  if (adopting) return adopting;
  if (ctx.now().getTime() > Date.parse(record.startedAt ?? '') + step.timeout) return undefined;
  const get =
    resource.kind === 'cloud-sql'
      ? async (name: string) =>
          (await ports.cloudSql(ctx.config.endpoints.sqladmin, 60_000, ctx.signal)).operation(
            resource.project ?? '',
            name,
          )
      : async (name: string) => (await ports.cloudRun(ctx.config.endpoints.run, 60_000, ctx.signal)).operation(name);
  for (const key of OPERATION_KEYS) {
    const name = record.data[key];
    if (typeof name !== 'string' || name === '') continue;
    try {
      const polled = await pollStored(env, record, key, step.pollInterval, get);
      if (polled.state === 'pending') return `operation ${name} on ${resource.name}`;
    } catch {
      // Unreadable: the delete goes ahead and reports what it finds.
    }
  }
  return undefined;
}

/**
 * `cleanup`: deletes exactly the recorded resources, newest first, each verified gone, each once the operation
 * its step started on it has finished (the cleanup step stays pending meanwhile); then looks on
 * every scratch server the drill used for databases with its prefix that are still there. Anything
 * left behind is `leaked` and fails the drill.
 */
export async function runCleanup(env: StepEnv): Promise<StepResult> {
  const { ctx, drill, ports } = env;
  const lines: string[] = [];
  for (const resource of [...drill.resources].reverse()) {
    if (resource.state === 'deleted') continue;
    const inFlight = await operationInFlight(env, resource);
    if (inFlight) {
      await env.save();
      return { status: 'pending', detail: `waiting for ${inFlight} to finish before deleting ${resource.name}` };
    }
    const outcome = await deleteResource(ctx, ports, resource, drill.id);
    resource.state = outcome.state;
    resource.detail = outcome.detail;
    if (outcome.state === 'deleted') resource.deletedAt = ctx.now().toISOString();
    lines.push(outcome.detail);
    await env.save();
  }
  const servers = new Map<string, ScratchServerConfig>();
  for (const r of drill.resources)
    if (r.kind === 'scratch-db') servers.set(JSON.stringify(r.server), r.server as ScratchServerConfig);
  const strays: string[] = [];
  for (const config of servers.values()) {
    try {
      const server = await scratchServer(env, config);
      for (const name of await ports.scratch.list(server, `${databasePrefix(drill.id)}_`)) {
        const known = drill.resources.find((r) => r.kind === 'scratch-db' && r.name === name);
        if (known && known.state !== 'deleted') continue;
        strays.push(name);
        if (!known) {
          drill.resources.push({
            kind: 'scratch-db',
            name,
            step: 'unknown',
            engine: server.engine,
            server: config,
            expiresAt: drill.resources.find((r) => r.kind === 'scratch-db')?.expiresAt ?? ctx.now().toISOString(),
            state: 'leaked',
            recordedAt: ctx.now().toISOString(),
            detail: 'found after cleanup with the drill prefix but never recorded: left for a person to inspect',
          });
        } else {
          known.state = 'leaked';
          known.detail = 'still exists after cleanup';
        }
      }
    } catch (error) {
      lines.push(`could not look for leftovers on a scratch server: ${message(error)}`);
      strays.push('(scratch server unreachable)');
    }
  }
  await env.save();
  const leaked = drill.resources.filter((r) => r.state === 'leaked');
  const deleted = drill.resources.filter((r) => r.state === 'deleted').length;
  if (leaked.length > 0 || strays.length > 0) {
    const names = [...new Set([...leaked.map((r) => r.name), ...strays])];
    return {
      status: 'fail',
      detail: `${deleted} deleted; left behind: ${names.join(', ')}`,
      data: { deleted, leaked: names },
    };
  }
  return {
    status: 'ok',
    detail: deleted === 0 ? 'nothing to delete' : `${deleted} resource(s) deleted and verified gone`,
    data: { deleted },
  };
}
