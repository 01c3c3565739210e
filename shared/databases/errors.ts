import { OpsError } from '../errors/ops-error.js';

/** Which step of a scratch restore failed. */
export type RestorePhase = 'connect' | 'create' | 'load' | 'timeout' | 'stalled' | 'drop';

/** A scratch restore that could not be done: the server is down, the dump is bad, or the input stalled. */
export class RestoreError extends OpsError {
  override readonly name = 'RestoreError';
  readonly phase: RestorePhase;

  constructor(
    phase: RestorePhase,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super('dependency', message, { ...options, retryable: phase !== 'load', details: { phase, ...options.details } });
    this.phase = phase;
  }
}
