import { OpsError } from '../../core/errors/index.js';

/**
 * Which step of a scratch restore failed: `client` is a restore client that cannot be restricted,
 * `refused` a dump that tried to leave its scratch database or run a client command.
 */
export type RestorePhase = 'client' | 'connect' | 'create' | 'load' | 'refused' | 'timeout' | 'stalled' | 'drop';

/** Where in the dump a load stopped and the server's error code, never the data it quoted. */
export interface RestoreErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
  line?: number;
  code?: string;
}

/** A scratch restore that could not be done: the server is down, the dump is bad, or the input stalled. */
export class RestoreError extends OpsError {
  override readonly name = 'RestoreError';
  readonly phase: RestorePhase;
  readonly line: number | undefined;
  readonly code: string | undefined;

  constructor(phase: RestorePhase, message: string, options: RestoreErrorOptions = {}) {
    const { line, code } = options;
    super('dependency', message, {
      cause: options.cause,
      retryable: phase !== 'load' && phase !== 'refused' && phase !== 'client',
      details: {
        phase,
        ...options.details,
        ...(line === undefined ? {} : { line }),
        ...(code === undefined ? {} : { code }),
      },
    });
    this.phase = phase;
    this.line = line;
    this.code = code;
  }
}
