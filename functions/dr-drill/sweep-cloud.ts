import { entryOf } from '../../shared/core/config/index.js';
import type { Context } from '../../shared/core/run/index.js';
import { deleteResource } from './delete-resource.js';
import type { DrDrillDeps } from './deps.js';
import type { JanitorItem, ResourceRecord } from './model.js';

const PREFIX = 'opsfn-drill-';

/** Where the plans put cloud resources: Cloud SQL projects and Cloud Run project/region pairs. */
function places(ctx: Context): { sql: Set<string>; run: Set<string> } {
  const sql = new Set<string>();
  const run = new Set<string>();
  for (const plan of Object.values(ctx.config.drills)) {
    for (const step of plan.steps) {
      if (step.step === 'sql.clone' || step.step === 'sql.restoreBackup') {
        const db = step.database === undefined ? undefined : entryOf(ctx.config.databases, step.database);
        const project = db?.kind === 'cloud-sql' ? db.project : step.project;
        if (project) sql.add(project);
      }
      if (step.step === 'run.deploy') {
        const service = entryOf(ctx.config.services, step.service);
        if (service?.platform === 'cloud-run') run.add(`${service.project}/${step.region}`);
      }
    }
  }
  return { sql, run };
}

/**
 * Whether a resource is an expired drill resource: its name carries a drill id and its labels name the SAME
 * drill with an expiry in the past. Labels alone are never enough, since a clone copies its source's labels.
 */
function expired(name: string, labels: Record<string, string>, nowMs: number): boolean {
  const id = new RegExp(`^${PREFIX}([0-9a-f]{8})-`).exec(name)?.[1];
  const at = Number(labels['opsfn-expires']);
  return id !== undefined && labels['opsfn-drill'] === id && Number.isFinite(at) && at * 1000 < nowMs;
}

/**
 * Finds drill resources in the cloud that no drill record knows (a record lost with its state):
 * named with the drill prefix AND labelled with an expiry in the past. Both must hold before anything is deleted.
 */
export async function sweepCloud(
  ctx: Context,
  ports: DrDrillDeps,
  known: ReadonlySet<string>,
  nowMs: number,
): Promise<JanitorItem[]> {
  const { sql, run } = places(ctx);
  const found: ResourceRecord[] = [];
  const base = { step: 'unknown', state: 'created' as const, recordedAt: new Date(nowMs).toISOString() };
  if (sql.size > 0) {
    const client = await ports.cloudSql(ctx.config.endpoints.sqladmin, 60_000, ctx.signal);
    for (const project of sql) {
      for (const i of await client.listInstances(project)) {
        if (known.has(i.name) || !expired(i.name, i.labels, nowMs)) continue;
        found.push({
          ...base,
          kind: 'cloud-sql',
          name: i.name,
          project,
          expiresAt: new Date(Number(i.labels['opsfn-expires']) * 1000).toISOString(),
        });
      }
    }
  }
  if (run.size > 0) {
    const client = await ports.cloudRun(ctx.config.endpoints.run, 60_000, ctx.signal);
    for (const place of run) {
      const [project = '', region = ''] = place.split('/');
      for (const s of await client.listServices(project, region)) {
        if (known.has(s.name) || !expired(s.name, s.labels, nowMs)) continue;
        found.push({
          ...base,
          kind: 'cloud-run',
          name: s.name,
          project,
          region,
          expiresAt: new Date(Number(s.labels['opsfn-expires']) * 1000).toISOString(),
        });
      }
    }
  }
  const items: JanitorItem[] = [];
  for (const resource of found) {
    if (ctx.dryRun) {
      const detail = `dry-run: would delete unrecorded, expired ${resource.kind} ${resource.name}`;
      items.push({ drill: '-', resource: resource.name, kind: resource.kind, action: 'skipped', detail });
      continue;
    }
    const outcome = await deleteResource(ctx, ports, resource, undefined);
    items.push({
      drill: resource.name.slice(PREFIX.length, PREFIX.length + 8),
      resource: resource.name,
      kind: resource.kind,
      action: outcome.state,
      detail: `unrecorded, expired: ${outcome.detail}`,
    });
  }
  return items;
}
