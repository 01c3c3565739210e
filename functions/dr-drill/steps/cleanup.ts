import type { ScratchServerConfig } from '../../../shared/core/config/index.js';
import { deleteResource } from '../delete-resource.js';
import { databasePrefix } from '../naming.js';
import { message, type StepEnv, type StepResult, scratchServer } from './types.js';

/**
 * `cleanup`: deletes exactly the recorded resources, newest first, each verified gone; then looks on
 * every scratch server the drill used for databases with its prefix that are still there. Anything
 * left behind is `leaked` and fails the drill.
 */
export async function runCleanup(env: StepEnv): Promise<StepResult> {
  const { ctx, drill, ports } = env;
  const lines: string[] = [];
  for (const resource of [...drill.resources].reverse()) {
    if (resource.state === 'deleted') continue;
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
