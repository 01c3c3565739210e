import * as z from 'zod';
import type { Certificates } from '../../shared/core/config/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import { defineFunction, uniqueList } from '../../shared/core/run/index.js';
import { type CheckOptions, sweepCertificates } from './check.js';
import { gaugeSeries, writeGauge } from './gauge.js';
import { notifyFindings, summarize } from './report.js';
import { selectTargets, targetsOf } from './targets.js';
import type { CertItem } from './types.js';

/** Payload of a scheduled or manual run: optionally only some endpoints (`host:port`, host or servername). */
export const CertExpiryInputSchema = z.strictObject({
  endpoints: uniqueList(
    z
      .string()
      .min(1, 'expected an endpoint like "api.example.com:443"')
      // A DNS name is at most 253 characters; with brackets and a port the label stays under 300.
      .max(300, 'expected an endpoint of at most 300 characters'),
    'endpoints',
  ).optional(),
});
export type CertExpiryInput = z.infer<typeof CertExpiryInputSchema>;

/** Dependencies a caller may replace: the resolver, for tests and for split-horizon DNS. */
export type CertExpiryDeps = Pick<CheckOptions, 'lookup' | 'loadTrust'>;

/** Runs one sweep with the estate's `certificates` section and notifies what is new today. */
export async function runCertExpiry(
  ctx: Context,
  input: CertExpiryInput | undefined,
  deps: CertExpiryDeps = {},
): Promise<RunResult> {
  const section = ctx.config.certificates;
  const targets = selectTargets(targetsOf(section), input?.endpoints);
  if (targets.length === 0) return { outcome: 'skipped', summary: 'no endpoints in certificates.endpoints', items: [] };
  ctx.progress(`probing ${targets.length} endpoints`);
  // About twenty progress lines whatever the estate's size: a terminal redraws them, a log keeps them.
  const every = Math.max(1, Math.floor(targets.length / 20));
  const count = (n: number) => n.toLocaleString('en');
  const { items, threads, workerErrors } = await sweepCertificates(targets, {
    ...deps,
    now: () => ctx.now(),
    thresholds: { warnDays: section.warnDays, criticalDays: section.criticalDays },
    timeoutMs: section.timeout,
    concurrency: section.concurrency,
    // Finish before the runtime's own limit cuts the run off, so the items gathered so far are still returned.
    runTimeoutMs: Math.min(section.runTimeout, Math.max(1_000, ctx.config.limits.timeout - 10_000)),
    signal: ctx.signal,
    onProbed: (done, total) => {
      if (done % every === 0 || done === total) ctx.progress(`endpoints probed ${count(done)}/${count(total)}`);
    },
  });
  // A worker that failed had its probes rerun on this thread, so the items are complete; it is still worth a look.
  for (const error of workerErrors) ctx.log.warn('certExpiry probe worker failed', { error });
  const { outcome, summary } = summarize(items);
  const notified = await notifyFindings(ctx, items);
  ctx.log.info('certExpiry notifications', { ...notified });
  const gauge = section.gauge ? await recordGauge(ctx, items, section.gauge, section.timeout) : undefined;
  return { outcome, summary, items, extra: { notified, threads, ...(gauge ? { gauge } : {}) } };
}

/** Writes the gauge; a Monitoring failure is reported beside the items, never in place of them. */
async function recordGauge(
  ctx: Context,
  items: CertItem[],
  gauge: NonNullable<Certificates['gauge']>,
  timeoutMs: number,
): Promise<{ written: number } | { error: string }> {
  const endpoint = ctx.config.endpoints.monitoring;
  try {
    const series = gaugeSeries(items, ctx.now(), gauge.metricType, gauge.project);
    const written = await writeGauge(series, {
      project: gauge.project,
      ...(endpoint ? { rootUrl: endpoint.url } : {}),
      ...(endpoint?.credentials === 'none' ? { auth: 'none' as const } : {}),
      timeoutMs,
      signal: ctx.signal,
    });
    return { written };
  } catch (error) {
    ctx.log.warn('certExpiry gauge not written', { error: (error as Error).message });
    return { error: (error as Error).message };
  }
}

/** Builds the certExpiry function with its dependencies; tests hand in a fake resolver. */
export function createCertExpiry(deps: CertExpiryDeps = {}) {
  return defineFunction<CertExpiryInput>({
    name: 'certExpiry',
    description:
      'Probes every TLS endpoint on every address: days left on leaf and chain, trust, hostname, weak crypto.',
    triggers: ['scheduled', 'manual'],
    input: CertExpiryInputSchema,
    run: (ctx, input) => runCertExpiry(ctx, input, deps),
  });
}

/** The certExpiry entry point: the system resolver and trust store. */
export const certExpiry = createCertExpiry();
