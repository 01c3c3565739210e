import { UsageError } from './exit-codes.js';
import type { CliIo } from './io.js';

/** How the CLI writes log lines: Cloud Logging JSON, or only warnings and errors as text. */
export type LogMode = 'json' | 'text';

const LOUD = new Set(['WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY']);

/** `--log` as given, else JSON unless stderr is a terminal (a pipe or a deployed process keeps the audit lines). */
export function logModeOf(flag: unknown, io: CliIo): LogMode {
  if (flag === undefined) return io.tty ? 'text' : 'json';
  if (flag === 'json' || flag === 'text') return flag;
  throw new UsageError(`--log: expected json or text, got "${String(flag)}"`);
}

/**
 * Where the log lines of a CLI run go: every JSON line to stderr, or, for a person at a terminal, only
 * warnings and errors as one readable line each (the result follows on stdout as a table).
 */
export function logSinkFor(mode: LogMode, io: CliIo): (line: string) => void {
  if (mode === 'json') return (line) => io.err(`${line}\n`);
  return (line) => {
    let record: { severity?: string; message?: string; reason?: string };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      return io.err(`${line}\n`);
    }
    if (!LOUD.has(record.severity ?? '')) return;
    // Clear a progress line being redrawn before writing a line of its own.
    io.err(
      `${io.tty ? '\r\x1b[2K' : ''}${(record.severity ?? '').toLowerCase()}: ${record.message ?? record.reason ?? ''}\n`,
    );
  };
}
