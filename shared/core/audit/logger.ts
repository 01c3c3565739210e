import type { AuditRecord, Logger, LogSeverity } from './record.js';
import type { Redactor } from './redactor.js';
import { type TraceContext, traceFields } from './trace.js';

/** Where log lines go; stdout by default. Each call receives one complete JSON line without newline. */
export type LogSink = (line: string) => void;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  sink?: LogSink;
  redactor: Redactor;
  labels?: Record<string, string>;
  trace?: TraceContext;
  project?: string;
  /** The fields every audit record of this run shares. */
  run?: Pick<AuditRecord, 'runId' | 'function' | 'trigger' | 'dryRun'>;
  now?: () => Date;
  /** Lowest severity written; DEBUG lines are dropped unless `debug` is true. */
  debug?: boolean;
}

const AUDIT_SEVERITY: Record<AuditRecord['decision'], LogSeverity> = {
  received: 'INFO',
  rejected: 'WARNING',
  decided: 'NOTICE',
  intent: 'NOTICE',
  done: 'NOTICE',
  failed: 'ERROR',
  'dry-run': 'NOTICE',
  refused: 'WARNING',
  skipped: 'INFO',
  notified: 'INFO',
  finished: 'INFO',
};

const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};

function safeStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) return { name: v.name, message: v.message };
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[Circular]';
      seen.add(v);
    }
    return v;
  });
}

/**
 * A logger writing one Cloud Logging structured JSON line per call (`severity`, `message`, labels,
 * trace), with every registered secret scrubbed from the finished line.
 * @example createLogger({ redactor, run }).audit({ decision: 'done', action: 'rollback', target: 'web', reason: 'error rate 12%' })
 */
export function createLogger(options: LoggerOptions): Logger {
  const sink = options.sink ?? stdoutSink;
  const now = options.now ?? (() => new Date());
  const labels = options.labels ?? {};

  const write = (severity: LogSeverity, message: string, fields: Record<string, unknown> = {}) => {
    if (severity === 'DEBUG' && !options.debug) return;
    const line = {
      severity,
      message,
      time: now().toISOString(),
      ...fields,
      ...(Object.keys(labels).length > 0 ? { 'logging.googleapis.com/labels': labels } : {}),
      ...traceFields(options.trace, options.project),
    };
    sink(options.redactor.scrub(safeStringify(line)));
  };

  return {
    debug: (message, fields) => write('DEBUG', message, fields),
    info: (message, fields) => write('INFO', message, fields),
    warn: (message, fields) => write('WARNING', message, fields),
    error: (message, fields) => write('ERROR', message, fields),
    audit(partial) {
      const run = options.run ?? { runId: '', function: '', trigger: { kind: 'none', id: '' }, dryRun: false };
      const record: AuditRecord = { audit: true, ...run, ...partial };
      const what = [record.decision, record.action, record.target].filter(Boolean).join(' ');
      write(AUDIT_SEVERITY[record.decision], `${record.function}: ${what}: ${record.reason}`, { ...record });
    },
    child(extra) {
      return createLogger({ ...options, labels: { ...labels, ...extra } });
    },
  };
}
