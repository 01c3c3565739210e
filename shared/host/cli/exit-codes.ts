import type { Outcome } from '../../core/run/index.js';

/** Exit codes of `opsfn`: 0 ok/warn/skipped, 1 fail, 2 bad input or usage. */
export const ExitCodes = { ok: 0, fail: 1, usage: 2 } as const;

/** The exit code for a run's outcome. */
export function exitCodeOf(outcome: Outcome): number {
  if (outcome === 'fail') return ExitCodes.fail;
  if (outcome === 'rejected') return ExitCodes.usage;
  return ExitCodes.ok;
}

/** A usage error: printed with the command's help, exit 2. */
export class UsageError extends Error {
  override readonly name: string = 'UsageError';
}
