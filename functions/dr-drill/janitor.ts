import type { Context, RunResult } from '../../shared/core/run/index.js';
import { deleteResource } from './delete-resource.js';
import { advanceLock } from './engine.js';
import { cancelKey, drillIds, isOver, type JanitorItem } from './model.js';

export type { JanitorItem } from './model.js';

import type { DrDrillDeps } from './deps.js';
import { saveDrill } from './step-env.js';
import { message } from './steps/types.js';
import { sweepCloud } from './sweep-cloud.js';
import { loadDrill } from './unseal.js';

/**
 * The daily janitor: deletes expired resources of any drill (a crashed one included), resumes
 * drills whose invocations stopped, cancels drills left waiting for approval too long, and sweeps
 * the cloud for labelled drill resources no record knows about.
 */
export async function runJanitor(ctx: Context, ports: DrDrillDeps): Promise<RunResult> {
  const now = ctx.now().getTime();
  const items: JanitorItem[] = [];
  const resume: string[] = [];
  const ids = await drillIds(ctx.state);
  const known = new Set<string>();
  // What a record still holds is its own pass's to delete; one it says is gone and that is there all the same (a
  // create that landed after a look found nothing) is the cloud sweep's, like a resource no record knows.
  const hold = (drill: { resources: readonly { name: string; state: string }[] } | undefined) => {
    for (const r of drill?.resources ?? []) if (r.state !== 'deleted') known.add(r.name);
  };
  for (const id of ids) {
    // As long as a drill's advance may hold it, so that a slow delete never outlives the lock.
    const token = await ctx.state.lock(advanceLock(id), ctx.config.limits.timeout + 60_000);
    if (!token) {
      // Its cleanup is at work: the sweep keeps off what its record holds.
      hold(await loadDrill(ctx, id).catch(() => undefined));
      items.push({ drill: id, action: 'skipped', detail: 'being advanced right now' });
      continue;
    }
    try {
      const drill = await loadDrill(ctx, id);
      if (!drill) continue;
      hold(drill);
      let changed = false;
      for (const resource of drill.resources) {
        if (resource.state === 'deleted' || Date.parse(resource.expiresAt) > now) continue;
        if (ctx.dryRun) {
          const detail = `dry-run: would delete expired ${resource.kind} ${resource.name}`;
          items.push({ drill: id, resource: resource.name, kind: resource.kind, action: 'skipped', detail });
          continue;
        }
        const outcome = await deleteResource(ctx, ports, resource, drill.id);
        Object.assign(resource, { state: outcome.state, detail: `janitor: ${outcome.detail}` });
        if (outcome.state === 'deleted') resource.deletedAt = ctx.now().toISOString();
        items.push({
          drill: id,
          resource: resource.name,
          kind: resource.kind,
          action: outcome.state,
          detail: outcome.detail,
        });
        changed = true;
      }
      if (!isOver(drill.status) && !ctx.dryRun) {
        const requested = Date.parse(drill.approval?.requestedAt ?? '');
        if (drill.status === 'awaiting-approval' && now - requested > drill.definition.approvalTimeout) {
          await ctx.state.put(
            cancelKey(id),
            { by: 'janitor: approval timed out', at: ctx.now().toISOString() },
            180 * 86_400_000,
          );
          items.push({ drill: id, action: 'cancelled', detail: `no approval since ${drill.approval?.requestedAt}` });
          resume.push(id);
        } else if (drill.status === 'running' && now - Date.parse(drill.updatedAt) > 2 * ctx.config.limits.timeout) {
          items.push({ drill: id, action: 'resumed', detail: `no progress since ${drill.updatedAt}` });
          resume.push(id);
        }
      }
      if (changed) await saveDrill(ctx, drill);
    } finally {
      await ctx.state.unlock(advanceLock(id), token).catch(() => undefined);
    }
  }
  try {
    items.push(...(await sweepCloud(ctx, ports, known, now)));
  } catch (error) {
    items.push({ drill: '-', action: 'leaked', detail: `cloud sweep failed: ${message(error)}` });
  }
  for (const id of resume) await ctx.continue(`${id}:janitor:${ctx.runId}`, { drill: id });
  const leaked = items.filter((i) => i.action === 'leaked');
  const deleted = items.filter((i) => i.action === 'deleted').length;
  return {
    outcome: leaked.length > 0 ? 'fail' : 'ok',
    summary: `janitor: ${deleted} expired drill resource(s) deleted, ${leaked.length} could not be, ${resume.length} drill(s) resumed`,
    items,
  };
}
