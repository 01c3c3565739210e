import type { ScratchServer } from '../../../shared/adapters/databases/index.js';
import type { ScratchServerConfig, SecretRef } from '../../../shared/core/config/index.js';
import type { Context } from '../../../shared/core/run/index.js';
import type { DrDrillDeps } from '../deps.js';
import type { DrillRecord, ResourceRecord, StepRecord } from '../model.js';
import type { NamedStep } from '../plan.js';

/** What a step returns; `pending` means "not finished, run me again in the next invocation". */
export interface StepResult {
  status: 'ok' | 'fail' | 'pending';
  detail: string;
  data?: Record<string, unknown>;
}

/** What a step may use: the run's context, the drill, the ports and resource bookkeeping. */
export interface StepEnv {
  ctx: Context;
  drill: DrillRecord;
  steps: readonly NamedStep[];
  ports: DrDrillDeps;
  /** Persists the drill record now. */
  save(): Promise<void>;
  /**
   * Records a resource in state BEFORE it is created (idempotent by name: a re-run after a crash
   * gets the record it left). The name is checked against the drill prefix.
   */
  track(
    resource: Pick<ResourceRecord, 'kind' | 'name' | 'engine' | 'server' | 'project' | 'region'>,
  ): Promise<ResourceRecord>;
  /** Marks a recorded resource as created. */
  created(name: string): Promise<void>;
  /** How long this invocation may still poll before handing over to the next one. */
  budgetMs(): number;
  secret(ref: string | SecretRef): Promise<string>;
}

/** One kind of step. */
export type StepRunner<S extends NamedStep = NamedStep> = (
  env: StepEnv,
  step: S,
  record: StepRecord,
) => Promise<StepResult>;

/** The message of any thrown value. */
export { errorMessage as message } from '../../../shared/core/errors/index.js';

/** The engine a scratch server config names. */
export const scratchEngine = (config: ScratchServerConfig): ScratchServer['engine'] =>
  'postgres' in config ? 'postgres' : 'mysql';

/** The scratch server a config names, its URL resolved when it is a secret reference. */
export async function scratchServer(env: Pick<StepEnv, 'secret'>, config: ScratchServerConfig): Promise<ScratchServer> {
  const ref = 'postgres' in config ? config.postgres : config.mysql;
  return { engine: scratchEngine(config), url: await env.secret(ref) };
}
