import {
  type CreatedScratch,
  createScratchDatabase,
  describeServer,
  dropScratchDatabase,
  type ScratchServer,
} from '../../../shared/adapters/databases/index.js';
import { errorMessage as message } from '../../../shared/core/errors/index.js';
import type { Act, ActOutcome } from '../../../shared/core/guard/index.js';
import { type Check, check } from '../types.js';

/** The guard's actions on scratch databases, as the audit log and the envelope name them. */
export const ScratchActions = {
  create: 'backupVerify.create-scratch-database',
  drop: 'backupVerify.drop-scratch-database',
  sweep: 'backupVerify.sweep-scratch-database',
} as const;

/** How a guarded create went: a database, or a sentence saying why there is none. */
export type GuardedCreate =
  | { status: 'created'; db: CreatedScratch }
  | { status: 'dry-run' }
  /** `skipped`: policy said no (kill switch, freeze); `warn`: a guardrail did (lock, rate limit, state down). */
  | { status: 'skipped' | 'warn' | 'failed'; detail: string };

/** How a guarded drop went. */
export type GuardedDrop = { status: 'dropped' | 'dry-run' | 'refused' | 'failed'; detail: string };

const POLICY = new Set(['kill-switch', 'freeze']);

function refusal(outcome: Extract<ActOutcome<unknown>, { status: 'refused' }>): string {
  return `refused by ${outcome.by}: ${outcome.reason}`;
}

/** Creates scratch database `name` through the guard (kill switch, lock, rate limit, dry-run, audit). */
export async function createGuarded(
  act: Act,
  server: ScratchServer,
  name: string,
  evidence: Record<string, unknown>,
): Promise<GuardedCreate> {
  try {
    const made = await act(ScratchActions.create, name, () => createScratchDatabase(server, name), {
      evidence: { ...evidence, server: describeServer(server.engine, server.url) },
    });
    if (made.status === 'done') return { status: 'created', db: made.value };
    if (made.status === 'dry-run') return { status: 'dry-run' };
    const detail = `not restored: creating ${name} was ${refusal(made)}`;
    return { status: POLICY.has(made.by) ? 'skipped' : 'warn', detail };
  } catch (error) {
    return { status: 'failed', detail: message(error) };
  }
}

/** Drops scratch database `name` (and its loader) through the guard; a refusal leaves it for the sweep. */
export async function dropGuarded(
  act: Act,
  server: ScratchServer,
  name: string,
  evidence: Record<string, unknown>,
  action: string = ScratchActions.drop,
): Promise<GuardedDrop> {
  try {
    const gone = await act(action, name, () => dropScratchDatabase(server, name), {
      evidence: { ...evidence, server: describeServer(server.engine, server.url) },
    });
    if (gone.status === 'done') return { status: 'dropped', detail: `${name} dropped` };
    if (gone.status === 'dry-run') return { status: 'dry-run', detail: `dry-run: would drop ${name}` };
    return {
      status: 'refused',
      detail: `${name} left in place: its drop was ${refusal(gone)}; a later sweep drops it`,
    };
  } catch (error) {
    return { status: 'failed', detail: `${name} left in place: ${message(error)}` };
  }
}

/** The checks of a restore once its scratch database is dropped, or why it could not be. */
export function settleDrop(checks: Check[], dropped: GuardedDrop, name: string): Check[] {
  const [first, ...rest] = checks;
  if (dropped.status === 'dropped') {
    return first?.status === 'fail' ? [{ ...first, detail: `${first.detail}; ${name} dropped` }, ...rest] : checks;
  }
  const status = dropped.status === 'failed' || first?.status === 'fail' ? 'fail' : 'warn';
  return [
    { ...(first ?? check('restore', status, '')), status, detail: `${first?.detail}; ${dropped.detail}` },
    ...rest,
  ];
}
