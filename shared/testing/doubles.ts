import type { AuditRecord, LogSeverity, LogSink } from '../core/audit/index.js';
import type { DeliveryResult, Notification, Notifier } from '../core/notify/index.js';

/** A notifier that keeps every message it is given and reports it delivered to channel `test`. */
export interface RecordingNotifier extends Notifier {
  /** Every message sent so far, oldest first. */
  readonly sent: Notification[];
}

/** A {@link RecordingNotifier}: what a run would have told people, without any channel. */
export function recordingNotifier(): RecordingNotifier {
  const sent: Notification[] = [];
  return {
    sent,
    async notify(message): Promise<DeliveryResult[]> {
      sent.push(message);
      return [{ channel: 'test', ok: true, attempts: 1 }];
    },
  };
}

/** A clock a test moves by hand, for cooldowns, waits and time-to-live. */
export interface TestClock {
  /** The clock's time now; pass it as `now` to a run and to a state store. */
  now(): Date;
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void;
  /** Sets the clock to `at`. */
  set(at: Date | string): void;
}

/** A {@link TestClock} standing at `start` (now by default) until the test moves it. */
export function testClock(start: Date | string = new Date()): TestClock {
  let ms = new Date(start).getTime();
  return {
    now: () => new Date(ms),
    advance(by) {
      ms += by;
    },
    set(at) {
      ms = new Date(at).getTime();
    },
  };
}

/** One log line a run wrote, parsed: Cloud Logging's fields and whatever the line carried. */
export type LogLine = { severity: LogSeverity; message: string; time: string } & Record<string, unknown>;

/** One audit record a run wrote, as its log line (`audit: true`). */
export type AuditLine = LogLine & AuditRecord;

/** Log lines collected in memory instead of written to stdout. */
export interface LogCapture {
  /** The sink to hand to a run or a runtime as `logSink`. */
  sink: LogSink;
  /** The raw lines, oldest first. */
  readonly lines: string[];
  /** Every line, parsed. */
  records(): LogLine[];
  /** The audit records among them. */
  audits(): AuditLine[];
}

/** A {@link LogCapture}: audit records to assert on, and a quiet test output. */
export function captureLogs(): LogCapture {
  const lines: string[] = [];
  const records = () => lines.map((line) => JSON.parse(line) as LogLine);
  return {
    lines,
    sink: (line) => lines.push(line),
    records,
    audits: () => records().filter((r): r is AuditLine => r.audit === true),
  };
}
