/** Cloud Logging severities used by opsfn. */
export type LogSeverity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR' | 'CRITICAL' | 'ALERT';

/** What an audit record says happened to a decision or an action. */
export type AuditDecision =
  | 'received'
  | 'rejected'
  | 'decided'
  | 'intent'
  | 'done'
  | 'failed'
  | 'dry-run'
  | 'refused'
  | 'skipped'
  | 'notified'
  | 'finished';

/**
 * The stable audit record: one JSON line with `audit: true`, filterable in Cloud Logging by
 * `jsonPayload.audit=true`. `evidence` holds the data the decision used.
 */
export interface AuditRecord {
  audit: true;
  runId: string;
  function: string;
  trigger: { kind: string; id: string; format?: string };
  target?: string;
  action?: string;
  decision: AuditDecision;
  reason: string;
  dryRun: boolean;
  outcome?: string;
  durationMs?: number;
  evidence?: Record<string, unknown>;
}

/** A structured logger that writes Cloud Logging lines; `audit` writes an {@link AuditRecord}. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  audit(record: Omit<AuditRecord, 'audit' | 'runId' | 'function' | 'trigger' | 'dryRun'> & Partial<AuditRecord>): void;
  /** A logger whose lines carry these extra labels. */
  child(labels: Record<string, string>): Logger;
}
