import type { LogSink, Redactor } from '../core/audit/index.js';
import type { Estate } from '../core/config/index.js';
import type { Trigger } from '../core/events/index.js';
import type { Notification, Notifier } from '../core/notify/index.js';
import type { Continuation, FunctionDefinition, ResultEnvelope } from '../core/run/index.js';
import { MemoryStateStore, type StateStore } from '../core/state/index.js';
import {
  createRunner,
  createServices,
  type RunOptions,
  type SecretResolver,
  secretsOf,
} from '../host/runtime/index.js';
import { type AuditLine, captureLogs, type LogLine, recordingNotifier } from './doubles.js';

/** What every run of a {@link TestRunner} shares, as a process's runtime would. */
export interface TestRunnerOptions {
  /** The validated estate the function reads as `ctx.config`. */
  estate: Estate;
  /** Defaults to a memory store whose time-to-live follows `now`. */
  state?: StateStore;
  /** Defaults to a {@link recordingNotifier}; `null` runs without one, as a runtime with no channel does. */
  notifier?: Notifier | null;
  /** The clock of the run and of the default state store; the real one by default (see `testClock`). */
  now?: () => Date;
  /** Also receives every log line; the lines are captured either way and never reach stdout. */
  logSink?: LogSink;
  secret?: SecretResolver;
  redactor?: Redactor;
  /** Where `${env:…}` secret references are read; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
  /** Where `ctx.continue` sends the next invocation; without one it throws, as it would in a runtime without. */
  continuation?: Continuation;
}

/** What varies from one test run to the next: dry-run, a run id, a state store found down at start. */
export type TestRunOptions = Omit<RunOptions, 'locks'>;

/** What one run did, for a test to assert on. */
export interface TestRun {
  /** The result envelope, exactly as the runtime returns it (and HTTP replies with). */
  envelope: ResultEnvelope;
  /** The notifications this run sent, in order. */
  sent: Notification[];
  /** The audit records this run wrote, in order. */
  audits: AuditLine[];
  /** Every log line this run wrote, parsed. */
  logs: LogLine[];
  /** The state store the run used, to read what it left behind. */
  state: StateStore;
}

/** One function over shared services: each `run` is one invocation, like a delivery to a running process. */
export interface TestRunner {
  run(trigger: Trigger, options?: TestRunOptions): Promise<TestRun>;
  readonly state: StateStore;
  /** Every notification sent by every run so far. */
  readonly sent: Notification[];
  /** Every audit record written by every run so far. */
  audits(): AuditLine[];
  /** Every log line written by every run so far, parsed. */
  logs(): LogLine[];
}

/**
 * A runner of `definition` for tests: the runtime's own run steps (validation, idempotency, the
 * guard, timeouts, the envelope) over services built once from `options`, with every run's
 * notifications and log lines collected instead of sent or printed.
 */
export function createTestRunner<Input>(definition: FunctionDefinition<Input>, options: TestRunnerOptions): TestRunner {
  const now = options.now ?? (() => new Date());
  const state = options.state ?? new MemoryStateStore({ now: () => now().getTime() });
  const notifier = options.notifier === undefined ? recordingNotifier() : options.notifier;
  const { redactor, secret } = secretsOf({ ...options, config: options.estate });
  const all = captureLogs();
  const sent: Notification[] = [];
  return {
    state,
    sent,
    audits: all.audits,
    logs: all.records,
    async run(trigger, runOptions = {}) {
      const logs = captureLogs();
      const runSent: Notification[] = [];
      const services = createServices({
        config: options.estate,
        state,
        now,
        redactor,
        secret,
        continuation: options.continuation,
        notifier: notifier
          ? {
              notify(message, notifyOptions) {
                runSent.push(message);
                sent.push(message);
                return notifier.notify(message, notifyOptions);
              },
            }
          : undefined,
        logSink(line) {
          logs.sink(line);
          all.sink(line);
          options.logSink?.(line);
        },
      });
      const envelope = await createRunner(services)(definition, trigger, runOptions);
      return { envelope, sent: runSent, audits: logs.audits(), logs: logs.records(), state };
    },
  };
}

/**
 * Runs one trigger through `definition` as the runtime would, and returns the envelope with what
 * the run sent, audited and left in state.
 * @example const { envelope, sent } = await runForTest(rollback, alertTrigger('HighErrorRate'), { estate })
 */
export function runForTest<Input>(
  definition: FunctionDefinition<Input>,
  trigger: Trigger,
  options: TestRunnerOptions & TestRunOptions,
): Promise<TestRun> {
  return createTestRunner(definition, options).run(trigger, options);
}
