import type { LogSink, Redactor, TraceContext } from '../../core/audit/index.js';
import type { Estate } from '../../core/config/index.js';
import type { Notifier } from '../../core/notify/index.js';
import type { Continuation, JobRunner } from '../../core/run/index.js';
import type { StateStore } from '../../core/state/index.js';
import type { OidcVerifier } from './oidc.js';
import type { HeldLocks } from './run-state.js';
import { configRedactor, createSecretResolver, type SecretResolver } from './secrets.js';

/**
 * What every run of a process shares, built once per process: the runtime is one, and every
 * invocation gets only what varies per run ({@link RunOptions}) beside it.
 */
export interface Services {
  readonly config: Estate;
  readonly state: StateStore;
  /** Where `ctx.notify` sends; without one, notifications go nowhere and none is recorded. */
  readonly notifier: Notifier | undefined;
  readonly secret: SecretResolver;
  readonly redactor: Redactor;
  /** Where log lines go; stdout when undefined. */
  readonly logSink: LogSink | undefined;
  now(): Date;
  /** Where `ctx.continue` sends the next invocation; without one it throws. */
  readonly continuation: Continuation | undefined;
  /** Where long work runs as a job; without one it runs inside the invocation. */
  readonly jobs: JobRunner | undefined;
  readonly verifyOidc: OidcVerifier | undefined;
  /** Google Cloud project for trace ids in logs. */
  readonly project: string | undefined;
}

/** What {@link createServices} takes: the config and state store, and anything to use instead of a default. */
export type ServicesOptions = Pick<Services, 'config' | 'state'> &
  Partial<Omit<Services, 'config' | 'state' | 'now'>> & { now?: () => Date; env?: NodeJS.ProcessEnv };

/** The redactor and the secret resolver of `options`, or new ones that know the config's literal secrets. */
export function secretsOf(
  options: Pick<ServicesOptions, 'config' | 'redactor' | 'secret' | 'env'>,
): Pick<Services, 'redactor' | 'secret'> {
  // Literal secrets of the config are known from the start; resolved ones join as they are read.
  const redactor = options.redactor ?? configRedactor(options.config);
  const secret = options.secret ?? createSecretResolver({ redactor, ...(options.env ? { env: options.env } : {}) });
  return { redactor, secret };
}

/**
 * The services of a process from `options`, with the defaults a process without more needs: a
 * redactor that knows the config's literal secrets, a secret resolver feeding it, the clock, and
 * no notifier or continuation unless given.
 */
export function createServices(options: ServicesOptions): Services {
  const { redactor, secret } = secretsOf(options);
  return {
    config: options.config,
    state: options.state,
    notifier: options.notifier,
    redactor,
    secret,
    logSink: options.logSink,
    now: options.now ?? (() => new Date()),
    continuation: options.continuation,
    jobs: options.jobs,
    verifyOidc: options.verifyOidc,
    project: options.project,
  };
}

/** What varies from one invocation to the next; the rest comes from the {@link Services}. */
export interface RunOptions {
  /** Calls nothing that mutates; also forced by `mode: dry-run` in the config. */
  dryRun?: boolean;
  /** The wire format the trigger came in, for the envelope and the logs. */
  format?: string;
  trace?: TraceContext;
  runId?: string;
  /** Aborts the run from outside (a shutdown, a client gone). */
  signal?: AbortSignal;
  onProgress?: (text: string) => void;
  /** False when the state store did not answer at start: mutations are refused, idempotency is skipped. */
  stateAvailable?: boolean;
  /** Set to false to run without idempotency: a redelivery of the same trigger runs again. */
  idempotency?: boolean;
  /**
   * Set to false when a shutdown that interrupts this run must not deliver it again at the next start: its caller
   * was answered (503, retry) and a retry of theirs comes under a new identity, so a redelivery would run it twice.
   */
  redeliver?: boolean;
  /** Where the locks the run takes are noted, so a shutdown can release them. */
  locks?: HeldLocks;
}
