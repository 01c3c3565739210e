import type { ScratchServerConfig } from '../../../shared/config/sections/backups.js';
import type { ScratchServer } from '../../../shared/databases/connection.js';
import type { StepEnv } from './types.js';

/** The engine a scratch server config names. */
export const scratchEngine = (config: ScratchServerConfig): ScratchServer['engine'] =>
  'postgres' in config ? 'postgres' : 'mysql';

/** The scratch server a config names, its URL resolved when it is a secret reference. */
export async function scratchServer(env: Pick<StepEnv, 'secret'>, config: ScratchServerConfig): Promise<ScratchServer> {
  const ref = 'postgres' in config ? config.postgres : config.mysql;
  return { engine: scratchEngine(config), url: await env.secret(ref) };
}
