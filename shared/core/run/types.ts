import type { Logger } from '../audit/index.js';
import type { Estate, SecretRef } from '../config/index.js';
import type { ErrorKind } from '../errors/index.js';
import type { Trigger, TriggerKind } from '../events/index.js';
import type { Act, ActionRecord } from '../guard/index.js';
import type { DeliveryResult, Notification } from '../notify/index.js';
import type * as z from '../schema/index.js';
import type { StateStore } from '../state/index.js';
import type { JobRunner } from './jobs.js';

/** A run's verdict. */
export type Outcome = 'ok' | 'warn' | 'fail' | 'skipped' | 'rejected';

/** The error part of an envelope. */
export interface EnvelopeError {
  kind: ErrorKind;
  status: number;
  message: string;
  retryable: boolean;
}

/** The result envelope every run returns. */
export interface ResultEnvelope<Item = unknown> {
  function: string;
  runId: string;
  trigger: { kind: string; id: string; format?: string };
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  outcome: Outcome;
  summary: string;
  items: Item[];
  actions: ActionRecord[];
  notifications: DeliveryResult[];
  /** Set when the state store could not be reached: read-only work ran without it. */
  state?: 'unavailable';
  /** Why a run was rejected or failed; sets the HTTP status and whether a redelivery could help. */
  error?: EnvelopeError;
  /** The work was accepted and goes on in later invocations (HTTP 202). */
  accepted?: boolean;
  /** A redelivery of an event already handled or in progress. */
  duplicate?: boolean;
  /** How many entries of each list the result bounds left out (see `result-bounds.ts`). */
  omitted?: Record<string, number>;
  /** Anything else a function reports beside its items (e.g. rto/rpo of a drill). */
  [extra: string]: unknown;
}

/** What a function's `run` returns; the runtime adds the rest of the envelope. */
export interface RunResult<Item = unknown> {
  outcome: Exclude<Outcome, 'rejected'>;
  /** True when the work was accepted and goes on in later invocations: HTTP 202. */
  accepted?: boolean;
  summary: string;
  items?: Item[];
  extra?: Record<string, unknown>;
}

/** Everything a run may use. Built per run from the process's services; nothing is module-global. */
export interface Context {
  readonly function: string;
  readonly runId: string;
  readonly trigger: Trigger;
  readonly dryRun: boolean;
  readonly config: Estate;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly state: StateStore;
  /** False when the state store was unreachable at start: mutations are refused, reads go on. */
  readonly stateAvailable: boolean;
  now(): Date;
  /** Runs a mutation through every guardrail (see shared/core/guard). */
  act: Act;
  /**
   * Milliseconds left on the cooldown `ctx.act` keeps for `action` on `target`, 0 when none: for a
   * decision that should stop before any API call while a step is cooling down.
   */
  cooldownLeft(action: string, target: string): Promise<number>;
  /** Sends a notification through the estate's routes; the delivery is recorded in the envelope. */
  notify(message: Notification): Promise<DeliveryResult[]>;
  /** Resolves a secret reference to its value; the value never reaches a log line. */
  secret(ref: SecretRef): Promise<string>;
  /** A copy of `value` with every known secret and URL password replaced by `[REDACTED]`, for what leaves the run (reports). */
  redact<T>(value: T): T;
  /** Reports progress of long work (shown on a terminal by the CLI). */
  progress(text: string): void;
  /**
   * Schedules another invocation of this function with `payload` as a scheduled trigger whose id
   * is `continue:<key>:<random suffix>` (a redelivery of it runs once; nobody can claim it first):
   * published to `OPSFN_CONTINUATION_TOPIC` when it is set, else started in this process as an
   * invocation of its own (kept for the next start when the process is stopping). Work that
   * outlives one invocation (a DR drill) moves on this way.
   */
  continue(key: string, payload: Record<string, unknown>): Promise<void>;
  /**
   * Runs work longer than an invocation (a restore's load) as a job: a Cloud Run Job execution when
   * deployed (`OPSFN_RESTORE_JOB`), a child process with `OPSFN_RESTORE_JOB=local`; undefined when the
   * process has none, and such work runs inside the invocation.
   */
  readonly jobs: JobRunner | undefined;
}

/** Where `ctx.continue` sends the next invocation: the runtime's Pub/Sub topic or its own process. */
export type Continuation = (functionName: string, key: string, payload: Record<string, unknown>) => Promise<void>;

/** What an extra HTTP route of a function receives. */
export interface RouteRequest {
  method: string;
  /** The path below `/<function>/`, '' for the function's own path. */
  subpath: string;
  query: URLSearchParams;
  /** The parsed JSON body, or undefined for an empty one. */
  body: unknown;
  /** The authenticated caller (`token:0`, an OIDC email, `anonymous`). */
  caller: string;
  /**
   * The account behind `caller` (`oidc:<subject>` for a Google identity, which may come with or without its email);
   * compare this, not `caller`, to tell two callers apart. Absent, `caller` is the account.
   */
  principal?: string;
  config: Estate;
  state: StateStore;
  now(): Date;
  log: Logger;
  continue(key: string, payload: Record<string, unknown>): Promise<void>;
}

/**
 * An extra HTTP route of a function beside its trigger intake, e.g. `GET /drDrill?id=…` or
 * `POST /drDrill/approve`. Authenticated like every request; the reply is sent as JSON.
 */
export interface FunctionRoute {
  method: 'GET' | 'POST';
  /** The subpath below `/<function>/` ('' for the function's own path). */
  subpath: string;
  handle(req: RouteRequest): Promise<{ status: number; body: unknown }>;
}

/** A flag of `opsfn invoke <function>` that sets one payload field: `--plan NAME` sends `{ "plan": "NAME" }`. */
export interface InvokeFlag {
  /** The flag without its dashes (`self-test`). */
  flag: string;
  /** The payload field it sets (`selfTest`). */
  field: string;
  /** `boolean` sets `true`; `string` takes the next argument as the value. */
  type: 'boolean' | 'string';
  /** What the value is, in usage lines (`NAME`); only for `string` flags. */
  value?: string;
}

/** A function as defined with `defineFunction`. */
export interface FunctionDefinition<Input = unknown> {
  /** Entry point name, camelCase (`backupVerify`); the HTTP path is `/<name>`. */
  name: string;
  /** One sentence for `opsfn` help and docs. */
  description: string;
  /** Trigger kinds this function accepts; others are rejected with 400. */
  triggers: readonly TriggerKind[];
  /** Schema of the payload of scheduled and manual triggers: any zod 4 schema (`zod` or `zod/mini`). */
  input: z.core.$ZodType<Input>;
  run(ctx: Context, input: Input | undefined): Promise<RunResult>;
  /** Extra HTTP routes (progress, approvals); matched before trigger intake. */
  routes?: readonly FunctionRoute[];
  /** Flags of `opsfn invoke <name>` that set payload fields (`--self-test`, `--plan NAME`). */
  flags?: readonly InvokeFlag[];
  /**
   * Whether `run` takes a dead-lettered continuation (`ctx.trigger.deadLettered`) and records what it stood
   * for as failed (a shard of a split run). Without it the runner answers one with a skipped envelope and an
   * audit record: work whose every delivery failed is never worked again.
   */
  deadLetters?: boolean;
  /**
   * Called, instead of `run`, for a delivery of a trigger already handled (or being handled): what the function
   * notes of a repeat, which otherwise runs nothing. Autoscale refreshes the mark of an alert that still fires,
   * which Alertmanager repeats every `repeat_interval` under the same id. Not in a dry run; a failure is logged,
   * never the run's.
   */
  seenAgain?(ctx: Context, input: Input | undefined): Promise<void>;
}
