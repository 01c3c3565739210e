import * as z from 'zod';
import type { ResultEnvelope } from '../../core/run/index.js';

// The functions' items as the views read them: only the fields shown, each tolerant of what an older
// or a failed run left out, so one odd item never hides the others.

const CheckSchema = z.object({
  name: z.string(),
  status: z.string(),
  detail: z.string().default(''),
  data: z.record(z.string(), z.unknown()).optional(),
});

/** A backupVerify item: one backup, its verdict and the checks behind it. */
export const BackupItemSchema = z.object({
  backup: z.string(),
  kind: z.string(),
  status: z.string(),
  object: z.object({ key: z.string(), bytes: z.number(), ageHours: z.number() }).optional(),
  checks: z.array(CheckSchema).default([]),
});
export type BackupItem = z.infer<typeof BackupItemSchema>;

/** A certExpiry item: one address of one endpoint. */
export const CertItemSchema = z.object({
  endpoint: z.string(),
  address: z.string().nullable().default(null),
  status: z.string(),
  daysLeft: z.number().nullable().default(null),
  notAfter: z.string().nullable().default(null),
  issuer: z.string().nullable().default(null),
  subject: z.string().nullable().default(null),
  fingerprint: z.string().nullable().default(null),
  problems: z.array(z.string()).default([]),
  error: z.string().optional(),
});
export type CertItem = z.infer<typeof CertItemSchema>;

/** A healthSweep item: one check of one sweep. */
export const SweepItemSchema = z.object({
  check: z.string(),
  kind: z.string(),
  service: z.string().optional(),
  status: z.string(),
  detail: z.string().default(''),
  latencyMs: z.number().optional(),
});
export type SweepItem = z.infer<typeof SweepItemSchema>;

/** A rollback or autoscale item: one decision about one service. */
export const DecisionItemSchema = z
  .object({
    service: z.string(),
    decision: z.string().optional(),
    policy: z.string().optional(),
    verdict: z.string().optional(),
    status: z.string().optional(),
    from: z.union([z.string(), z.number()]).optional(),
    to: z.union([z.string(), z.number()]).optional(),
    knob: z.string().optional(),
    reasons: z.array(z.string()).default([]),
    refused: z.string().optional(),
    evidence: z.record(z.string(), z.unknown()).optional(),
    verification: z.object({ state: z.string(), reason: z.string() }).optional(),
  })
  .loose();
export type DecisionItem = z.infer<typeof DecisionItemSchema>;

/** The items of `envelope` that `schema` reads; the others are left out. */
export function itemsOf<T>(schema: z.ZodType<T>, envelope: ResultEnvelope): T[] {
  return envelope.items.flatMap((item) => {
    const parsed = schema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}
