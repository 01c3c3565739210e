import type { ResultEnvelope } from '../../core/run/index.js';
import * as z from '../../core/schema/index.js';

// The functions' items as the views read them: only the fields shown, each tolerant of what an older
// or a failed run left out, so one odd item never hides the others.

const CheckSchema = z.object({
  name: z.string(),
  status: z.string(),
  detail: z._default(z.string(), ''),
  data: z.optional(z.record(z.string(), z.unknown())),
});

/** A backupVerify item: one backup, its verdict and the checks behind it. */
export const BackupItemSchema = z.object({
  backup: z.string(),
  kind: z.string(),
  status: z.string(),
  object: z.optional(z.object({ key: z.string(), bytes: z.number(), ageHours: z.number() })),
  checks: z._default(z.array(CheckSchema), []),
});
export type BackupItem = z.infer<typeof BackupItemSchema>;

/** A certExpiry item: one address of one endpoint. */
export const CertItemSchema = z.object({
  endpoint: z.string(),
  address: z._default(z.nullable(z.string()), null),
  status: z.string(),
  daysLeft: z._default(z.nullable(z.number()), null),
  notAfter: z._default(z.nullable(z.string()), null),
  issuer: z._default(z.nullable(z.string()), null),
  subject: z._default(z.nullable(z.string()), null),
  fingerprint: z._default(z.nullable(z.string()), null),
  problems: z._default(z.array(z.string()), []),
  error: z.optional(z.string()),
});
export type CertItem = z.infer<typeof CertItemSchema>;

/** A healthSweep item: one check of one sweep. */
export const SweepItemSchema = z.object({
  check: z.string(),
  kind: z.string(),
  service: z.optional(z.string()),
  status: z.string(),
  detail: z._default(z.string(), ''),
  latencyMs: z.optional(z.number()),
  /** When the check last ran, for an item the sweep carried from that run instead of running the check. */
  remembered: z.optional(z.string()),
});
export type SweepItem = z.infer<typeof SweepItemSchema>;

/** A rollback or autoscale item: one decision about one service. */
export const DecisionItemSchema = z.looseObject({
  service: z.string(),
  decision: z.optional(z.string()),
  policy: z.optional(z.string()),
  verdict: z.optional(z.string()),
  status: z.optional(z.string()),
  from: z.optional(z.union([z.string(), z.number()])),
  to: z.optional(z.union([z.string(), z.number()])),
  knob: z.optional(z.string()),
  reasons: z._default(z.array(z.string()), []),
  refused: z.optional(z.string()),
  evidence: z.optional(z.record(z.string(), z.unknown())),
  verification: z.optional(z.object({ state: z.string(), reason: z.string() })),
});
export type DecisionItem = z.infer<typeof DecisionItemSchema>;

/** The items of `envelope` that `schema` reads; the others are left out. */
export function itemsOf<T>(schema: z.ZodMiniType<T>, envelope: ResultEnvelope): T[] {
  return envelope.items.flatMap((item) => {
    const parsed = schema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}
