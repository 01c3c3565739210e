import * as z from 'zod';
import { DurationSchema, NameSchema } from '../types.js';
import { PolicyMatchSchema } from './policy-match.js';

/** An error-rate threshold: a ratio (`0.01`) or a percentage string (`"1%"`), parsed to a ratio in (0, 1]. */
export const RatioSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : undefined;
  const ratio = typeof value === 'number' ? value : m ? Number(m[1]) / 100 : Number.NaN;
  if (!(ratio > 0 && ratio <= 1)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a ratio in (0, 1] like 0.01 or "1%", got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return ratio;
});

/** A probe of the service itself, for estates without a metrics backend: `samples` requests spread over the window. */
export const ProbeSchema = z.strictObject({
  url: z.url().regex(/^https?:\/\//, 'expected an http:// or https:// URL'),
  samples: z.number().int().min(1).max(1_000).default(10),
  /** Per-request timeout; a request that times out counts as an error. */
  timeout: DurationSchema.default(5_000),
});

/** When the error rate counts as confirmed, and how it is measured. */
export const ErrorRateSchema = z
  .strictObject({
    threshold: RatioSchema,
    window: DurationSchema.default(5 * 60_000),
    minRequests: z.number().int().nonnegative().default(100),
    /** PromQL giving the 5xx/total ratio; `$window` is replaced by the window (`300s`). */
    query: z.string().min(1).optional(),
    /** PromQL giving the request count over `$window`, to enforce `minRequests`. */
    totalQuery: z.string().min(1).optional(),
    /** Measure by requesting a URL instead of querying metrics: errors are 5xx answers and failed requests. */
    probe: ProbeSchema.optional(),
  })
  .refine((e) => !(e.probe && e.query), { message: 'give either "query" or "probe", not both', path: ['probe'] })
  .refine((e) => !e.probe || e.minRequests <= e.probe.samples, {
    message: 'expected minRequests at most probe.samples: a probe counts its own requests',
    path: ['minRequests'],
  })
  .refine((e) => e.query === undefined || e.minRequests === 0 || e.totalQuery !== undefined, {
    message: 'expected "totalQuery" beside "query" so "minRequests" can be enforced (or set minRequests: 0)',
    path: ['totalQuery'],
  });

/** One rollback policy: which alerts, which service, and the evidence needed to act. */
export const RollbackPolicySchema = z.strictObject({
  name: NameSchema.optional(),
  match: PolicyMatchSchema,
  /** A key of `services`; when omitted the service comes from the alert's labels. */
  service: NameSchema.optional(),
  errorRate: ErrorRateSchema,
  recentDeploy: DurationSchema.default(2 * 3_600_000),
  settle: DurationSchema.default(3 * 60_000),
  cooldown: DurationSchema.default(30 * 60_000),
  onInconclusive: z.enum(['hold', 'rollback']).default('hold'),
});
export type RollbackPolicy = z.infer<typeof RollbackPolicySchema>;

/** `rollback`: the policies the rollback function acts on, first match wins. */
export const RollbackSchema = z.strictObject({ policies: z.array(RollbackPolicySchema).default([]) }).optional();
export type Rollback = z.infer<typeof RollbackSchema>;
