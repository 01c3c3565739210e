import {
  type ConfigSection,
  DurationSchema,
  NameSchema,
  PolicyMatchSchema,
  referenceIssues,
} from '../../shared/core/config/index.js';
import * as z from '../../shared/core/schema/index.js';

/** A scaling step: a relative change (`+50%`) or an absolute one (`+2`, or a plain number of instances). */
export type ScaleStep = { kind: 'percent'; value: number } | { kind: 'count'; value: number };

const STEP = /^\s*[+-]?\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/;

/** Parses `+50%`, `50%`, `+2`, `2` or `-2` (the sign is implied by the direction) into a step; undefined when malformed. */
export function parseStep(value: string | number): ScaleStep | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value > 0 ? { kind: 'count', value } : undefined;
  }
  const m = STEP.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2] === '%') return n > 0 && n <= 1000 ? { kind: 'percent', value: n } : undefined;
  return Number.isInteger(n) && n > 0 ? { kind: 'count', value: n } : undefined;
}

const StepSchema = z.pipe(
  z.union([z.string(), z.number()]),
  z.transform((value, ctx) => {
    const step = parseStep(value);
    if (!step) {
      return z.reject(
        ctx,
        `expected a step like "+50%" (1–1000 %) or "+2" (a positive whole number), got ${JSON.stringify(value)}`,
      );
    }
    return step;
  }),
);

const CountSchema = z
  .number({ error: 'expected a whole number' })
  .check(z.int('expected a whole number'), z.gte(0), z.lte(10_000));

/** One autoscale policy: which alerts, which service, how far up, and how and when back down. */
export const AutoscalePolicySchema = z
  .strictObject({
    name: z.optional(NameSchema),
    match: PolicyMatchSchema,
    /** A key of `services`; when omitted the service comes from the alert's labels. */
    service: z.optional(NameSchema),
    /** Cloud Run: which bound to step, `min` (pre-warm instances) or `max` (raise the ceiling). */
    knob: z._default(z.enum(['min', 'max']), 'min'),
    /** Cloud Run: service-level scaling (no new revision) or the template's (creates a revision). */
    level: z._default(z.enum(['service', 'template']), 'service'),
    up: z.strictObject({ step: z._default(StepSchema, { kind: 'percent', value: 50 }), max: CountSchema }),
    down: z.prefault(
      z.strictObject({
        after: z._default(DurationSchema, 30 * 60_000),
        /** How far each step down goes; when omitted, straight back to the baseline. */
        step: z.optional(StepSchema),
        floor: z._default(CountSchema, 0),
        /** A firing alert never resolved after this long counts as resolved (its `resolved` was lost). */
        staleAfter: z._default(DurationSchema, 6 * 3_600_000),
      }),
      {},
    ),
    cooldown: z._default(DurationSchema, 10 * 60_000),
    /**
     * How long a value set by hand (a manual request, or a change autoscale noticed and left alone) is left to the
     * person while it stays as set: alerts step nothing up meanwhile.
     */
    manualHold: z._default(DurationSchema, 6 * 3_600_000),
  })
  .check(
    z.refine((p) => p.down.floor <= p.up.max, {
      message: 'expected down.floor to be at most up.max',
      path: ['down', 'floor'],
    }),
    z.refine((p) => p.up.max > 0, { message: 'expected up.max above 0', path: ['up', 'max'] }),
  );
/** One validated autoscale policy, durations in ms and steps parsed. */
export type AutoscalePolicy = z.infer<typeof AutoscalePolicySchema>;

/** `autoscale`: the policies the autoscale function acts on, first match wins. */
export const AutoscaleSchema = z.optional(z.strictObject({ policies: z._default(z.array(AutoscalePolicySchema), []) }));
/** The validated `autoscale` section. */
export type Autoscale = z.infer<typeof AutoscaleSchema>;

declare module '../../shared/core/config/index.js' {
  interface EstateSections {
    autoscale: typeof AutoscaleSchema;
  }
}

/** The `autoscale` section of the estate. */
export const autoscaleSection: ConfigSection<'autoscale'> = {
  key: 'autoscale',
  schema: AutoscaleSchema,
  check: (estate) =>
    (estate.autoscale?.policies ?? []).flatMap((policy, i) =>
      policy.service === undefined
        ? []
        : referenceIssues(['autoscale', 'policies', i, 'service'], 'service', policy.service, estate.services),
    ),
};
