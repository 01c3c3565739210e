import {
  type ConfigIssue,
  type ConfigSection,
  DurationSchema,
  type Estate,
  formatDuration,
  NameSchema,
  PolicyMatchSchema,
  RatioSchema,
  referenceIssues,
} from '../../shared/core/config/index.js';
import * as z from '../../shared/core/schema/index.js';

/** When errors count as too many: a share of all requests, or a rate of 5xx responses per second. */
export type ErrorThreshold = { kind: 'ratio'; ratio: number } | { kind: 'rate'; perSecond: number };

const RATE = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(s|m)\s*$/;

/** `"5%"` or `0.05` (a share of requests), or `"0.01/s"` / `"1/m"` (5xx responses per second or minute). */
export const ErrorThresholdSchema = z.pipe(
  z.union([z.number(), z.string()]),
  z.transform((value, ctx): ErrorThreshold => {
    const rate = typeof value === 'string' ? RATE.exec(value) : null;
    if (rate) {
      const perSecond = Number(rate[1]) / (rate[2] === 'm' ? 60 : 1);
      if (perSecond > 0) return { kind: 'rate', perSecond };
    }
    const ratio = RatioSchema.safeParse(value);
    if (!rate && ratio.success) return { kind: 'ratio', ratio: ratio.data };
    return z.reject(
      ctx,
      `expected a share of requests like "5%" or 0.05, or a rate of 5xx responses like "0.01/s", got ${JSON.stringify(value)}`,
    );
  }),
);

/** A probe of the service itself, for estates without a metrics backend: `samples` requests spread over the window. */
export const ProbeSchema = z.strictObject({
  url: z.url().check(z.regex(/^https?:\/\//, 'expected an http:// or https:// URL')),
  samples: z._default(z.number().check(z.int(), z.gte(1), z.lte(1_000)), 10),
  /** Per-request timeout; a request that times out counts as an error. */
  timeout: z._default(DurationSchema, 5_000),
});

/** When the error rate counts as confirmed, and how it is measured. */
export const ErrorRateSchema = z
  .strictObject({
    threshold: ErrorThresholdSchema,
    window: z._default(DurationSchema, 5 * 60_000),
    minRequests: z._default(z.number().check(z.int(), z.nonnegative()), 100),
    /**
     * PromQL giving the 5xx/total ratio, or the 5xx rate per second for a rate threshold; `$window` is replaced
     * by the window (`300s`).
     */
    query: z.optional(z.string().check(z.minLength(1))),
    /** PromQL giving the request count over `$window`, to enforce `minRequests`. */
    totalQuery: z.optional(z.string().check(z.minLength(1))),
    /** Measure by requesting a URL instead of querying metrics: errors are 5xx answers and failed requests. */
    probe: z.optional(ProbeSchema),
  })
  .check(
    z.refine((e) => !(e.probe && e.query), { message: 'give either "query" or "probe", not both', path: ['probe'] }),
    z.refine((e) => !(e.probe && e.threshold.kind === 'rate'), {
      message:
        'a probe counts its own requests, not the service\'s: a rate threshold needs "query" (Prometheus) or Cloud Monitoring',
      path: ['threshold'],
    }),
    z.refine((e) => !e.probe || e.minRequests <= e.probe.samples, {
      message: 'expected minRequests at most probe.samples: a probe counts its own requests',
      path: ['minRequests'],
    }),
    z.refine((e) => e.query === undefined || e.minRequests === 0 || e.totalQuery !== undefined, {
      message: 'expected "totalQuery" beside "query" so "minRequests" can be enforced (or set minRequests: 0)',
      path: ['totalQuery'],
    }),
  );

/** One rollback policy: which alerts, which service, and the evidence needed to act. */
export const RollbackPolicySchema = z.strictObject({
  name: z.optional(NameSchema),
  match: PolicyMatchSchema,
  /** A key of `services`; when omitted the service comes from the alert's labels. */
  service: z.optional(NameSchema),
  errorRate: ErrorRateSchema,
  recentDeploy: z._default(DurationSchema, 2 * 3_600_000),
  settle: z._default(DurationSchema, 3 * 60_000),
  cooldown: z._default(DurationSchema, 30 * 60_000),
  onInconclusive: z._default(z.enum(['hold', 'rollback']), 'hold'),
});
export type RollbackPolicy = z.infer<typeof RollbackPolicySchema>;

/** `rollback`: the policies the rollback function acts on, first match wins. */
export const RollbackSchema = z.optional(z.strictObject({ policies: z._default(z.array(RollbackPolicySchema), []) }));
export type Rollback = z.infer<typeof RollbackSchema>;

declare module '../../shared/core/config/index.js' {
  interface EstateSections {
    rollback: typeof RollbackSchema;
  }
}

/** What a probed rollback leaves for the change itself (the platform call and its wait) within the run. */
const PROBE_CHANGE_MS = 60_000;

/**
 * A probe samples the service in real time: `window` to confirm before the rollback, then `settle` waiting and
 * `settle` again sampling to verify, all in one run. One that cannot fit would roll back and be cut off before
 * anyone learns whether the service recovered (and its redelivery would page "already rolled back").
 */
function probeTimingIssues(policy: RollbackPolicy, timeoutMs: number, i: number): ConfigIssue[] {
  if (!policy.errorRate.probe) return [];
  const needs = policy.errorRate.window + 2 * policy.settle + PROBE_CHANGE_MS;
  if (needs <= timeoutMs) return [];
  return [
    {
      path: ['rollback', 'policies', i, 'errorRate', 'window'],
      message:
        `a probe samples in real time: window (${formatDuration(policy.errorRate.window)}) + 2 × settle ` +
        `(${formatDuration(policy.settle)}) + ${formatDuration(PROBE_CHANGE_MS)} for the change is ` +
        `${formatDuration(needs)}, past limits.timeout (${formatDuration(timeoutMs)}); shorten them`,
    },
  ];
}

/** What Cloud Monitoring may take to show a minute when the estate does not say (`endpoints.monitoring.visibleAfter`;
 * the metrics adapter's `CLOUD_MONITORING_VISIBLE_AFTER_MS`, not imported so the schema stays apart from it). */
const MONITORING_VISIBLE_AFTER_MS = 180_000;

/** The longest a Cloud Run traffic change is waited for (the platform adapter's operation wait). */
const CLOUD_RUN_CHANGE_MS = 120_000;

/**
 * Whether the policy may be measured through Cloud Monitoring: neither a query nor a probe, and its service a Cloud
 * Run one, or taken from the alert's labels (only a Cloud Run service is measured without a query or a probe).
 */
function mayReadCloudMonitoring(policy: RollbackPolicy, estate: Estate): boolean {
  if (policy.errorRate.probe || policy.errorRate.query !== undefined) return false;
  return policy.service === undefined || estate.services[policy.service]?.platform === 'cloud-run';
}

function settleIssues(policy: RollbackPolicy, estate: Estate, i: number): ConfigIssue[] {
  const timeout = formatDuration(estate.limits.timeout);
  if (!mayReadCloudMonitoring(policy, estate)) {
    if (policy.settle < estate.limits.timeout) return [];
    return [
      {
        path: ['rollback', 'policies', i, 'settle'],
        message: `expected less than limits.timeout (${timeout}) so the run can verify recovery`,
      },
    ];
  }
  const lag = estate.endpoints.monitoring?.visibleAfter ?? MONITORING_VISIBLE_AFTER_MS;
  const needs = CLOUD_RUN_CHANGE_MS + policy.settle + lag;
  if (needs < estate.limits.timeout) return [];
  return [
    {
      path: ['rollback', 'policies', i, 'settle'],
      message:
        `on Cloud Run, up to ${formatDuration(CLOUD_RUN_CHANGE_MS)} for the change + settle (${formatDuration(policy.settle)}) ` +
        `+ the ${formatDuration(lag)} Cloud Monitoring may take to show it (endpoints.monitoring.visibleAfter) is ` +
        `${formatDuration(needs)}, not less than limits.timeout (${timeout}): the run would end before it verifies`,
    },
  ];
}

function policyIssues(estate: Estate): ConfigIssue[] {
  return (estate.rollback?.policies ?? []).flatMap((policy, i) => [
    ...(policy.service === undefined
      ? []
      : referenceIssues(['rollback', 'policies', i, 'service'], 'service', policy.service, estate.services)),
    // A rollback waits `settle` inside its run before it verifies (and, reading Cloud Monitoring, until the API shows
    // all of it); a wait past the run budget would roll back and then be cut off before anyone learns whether the
    // service recovered.
    ...settleIssues(policy, estate, i),
    ...probeTimingIssues(policy, estate.limits.timeout, i),
    ...(policy.errorRate.query !== undefined && estate.endpoints.prometheus === undefined
      ? [
          {
            path: ['rollback', 'policies', i, 'errorRate', 'query'],
            message: 'expected endpoints.prometheus: the query runs there',
          },
        ]
      : []),
  ]);
}

/** The `rollback` section of the estate. */
export const rollbackSection: ConfigSection<'rollback'> = {
  key: 'rollback',
  schema: RollbackSchema,
  check: policyIssues,
};
