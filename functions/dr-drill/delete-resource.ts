import type { ScratchServerConfig } from '../../shared/core/config/index.js';
import type { Context } from '../../shared/core/run/index.js';
import type { DrDrillDeps } from './deps.js';
import type { ResourceRecord } from './model.js';
import { assertDrillResource } from './naming.js';
import { message, scratchServer } from './steps/types.js';
import { drillSecret } from './unseal.js';

/** How deleting one resource went: `deleted` only when it was verified gone afterwards. */
export interface DeleteOutcome {
  state: 'deleted' | 'leaked';
  detail: string;
}

/**
 * Deletes one recorded drill resource through the guard and verifies it is gone. Refuses (and
 * reports as leaked) anything whose name lacks the drill prefix: `drillId` pins the exact drill,
 * the janitor passes none and accepts any drill's prefix.
 */
export async function deleteResource(
  ctx: Context,
  ports: DrDrillDeps,
  resource: ResourceRecord,
  drillId: string | undefined,
): Promise<DeleteOutcome> {
  try {
    assertDrillResource(resource.kind, resource.name, drillId);
  } catch (error) {
    return { state: 'leaked', detail: message(error) };
  }
  try {
    // Recorded but never confirmed created (a create the kill switch refused, a crash before it):
    // when it is not there, there is nothing to delete and nothing leaked.
    if (resource.state === 'recorded' && !(await exists(ctx, ports, resource)))
      return { state: 'deleted', detail: `${resource.kind} ${resource.name} was never created: nothing to delete` };
    const gone = await ctx.act(`drill.delete-${resource.kind}`, resource.name, () => remove(ctx, ports, resource), {
      evidence: { drill: drillId, kind: resource.kind, expiresAt: resource.expiresAt },
    });
    if (gone.status === 'refused') return { state: 'leaked', detail: `delete refused by ${gone.by}: ${gone.reason}` };
    if (gone.status === 'dry-run') return { state: 'leaked', detail: 'dry-run: not deleted' };
    return gone.value
      ? { state: 'deleted', detail: `deleted ${resource.kind} ${resource.name}` }
      : { state: 'leaked', detail: `${resource.kind} ${resource.name} still exists after its delete` };
  } catch (error) {
    return { state: 'leaked', detail: `delete of ${resource.kind} ${resource.name} failed: ${message(error)}` };
  }
}

/** Deletes and then looks again; true when the resource is gone. */
async function remove(ctx: Context, ports: DrDrillDeps, resource: ResourceRecord): Promise<boolean> {
  const budget = 10 * 60_000;
  switch (resource.kind) {
    case 'scratch-db':
      await ports.scratch.drop(await serverOf(ctx, resource), resource.name);
      break;
    case 'cloud-sql': {
      const sql = await ports.cloudSql(ctx.config.endpoints.sqladmin, 60_000, ctx.signal);
      await sql.deleteInstance(resource.project ?? '', resource.name, budget);
      break;
    }
    case 'cloud-run': {
      const run = await ports.cloudRun(ctx.config.endpoints.run, 60_000, ctx.signal);
      await run.deleteService(resource.project ?? '', resource.region ?? '', resource.name, budget);
      break;
    }
  }
  return !(await exists(ctx, ports, resource));
}

/** Whether the resource is there now: a read, never a change, so the guard is not asked. */
async function exists(ctx: Context, ports: DrDrillDeps, resource: ResourceRecord): Promise<boolean> {
  switch (resource.kind) {
    case 'scratch-db':
      return (await ports.scratch.list(await serverOf(ctx, resource), resource.name)).includes(resource.name);
    case 'cloud-sql': {
      const sql = await ports.cloudSql(ctx.config.endpoints.sqladmin, 60_000, ctx.signal);
      return (await sql.getInstance(resource.project ?? '', resource.name)) !== undefined;
    }
    case 'cloud-run': {
      const run = await ports.cloudRun(ctx.config.endpoints.run, 60_000, ctx.signal);
      return (await run.getService(resource.project ?? '', resource.region ?? '', resource.name)) !== undefined;
    }
  }
}

function serverOf(ctx: Context, resource: ResourceRecord) {
  return scratchServer({ secret: drillSecret(ctx, undefined) }, resource.server as ScratchServerConfig);
}
