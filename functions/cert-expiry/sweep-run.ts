import { endpointAuth } from '../../shared/adapters/google/index.js';
import { errorMessage } from '../../shared/core/errors/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import { sweepCertificates } from './check.js';
import type { Certificates } from './config.js';
import type { CertExpiryDeps } from './deps.js';
import { gaugeSeries } from './gauge.js';
import { notifyFindings, summarize } from './report.js';
import { targetsOf } from './targets.js';
import type { CertItem, Target } from './types.js';

/** Probes `targets`: the work of a run or of one of its shards. */
export async function probeTargets(
  ctx: Context,
  targets: Target[],
  deps: CertExpiryDeps,
): Promise<{ items: CertItem[]; threads: number }> {
  const section = ctx.config.certificates;
  ctx.progress(`probing ${targets.length} endpoints`);
  // About twenty progress lines whatever the estate's size: a terminal redraws them, a log keeps them.
  const every = Math.max(1, Math.floor(targets.length / 20));
  const count = (n: number) => n.toLocaleString('en');
  const { items, threads, workerErrors } = await sweepCertificates(targets, {
    lookup: deps.lookup,
    loadTrust: deps.loadTrust,
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
  return { items, threads };
}

/** Notifies what is new today and records the gauge: how a run, or the last of its shards, ends. */
export async function reportCertificates(
  ctx: Context,
  items: CertItem[],
  deps: CertExpiryDeps,
): Promise<RunResult<CertItem>> {
  const section = ctx.config.certificates;
  const { outcome, summary } = summarize(items);
  // Every configured endpoint checked (no request naming some): a severity with nothing left is resolved.
  const checked = new Set(items.map((i) => i.endpoint));
  const complete = targetsOf(section).every((t) => checked.has(t.endpoint));
  const notified = await notifyFindings(ctx, items, { complete });
  ctx.log.info('certExpiry notifications', { ...notified });
  const gauge = section.gauge ? await recordGauge(ctx, deps, items, section.gauge, section.timeout) : undefined;
  return { outcome, summary, items, extra: { notified, ...(gauge ? { gauge } : {}) } };
}

/** Writes the gauge; a Monitoring failure is reported beside the items, never in place of them. */
async function recordGauge(
  ctx: Context,
  deps: CertExpiryDeps,
  items: CertItem[],
  gauge: NonNullable<Certificates['gauge']>,
  timeoutMs: number,
): Promise<{ written: number } | { error: string }> {
  const endpoint = ctx.config.endpoints.monitoring;
  try {
    const series = gaugeSeries(items, ctx.now(), gauge.metricType, gauge.project);
    const written = await deps.writeGauge(series, {
      project: gauge.project,
      ...(endpoint ? { rootUrl: endpoint.url } : {}),
      auth: endpointAuth(endpoint),
      timeoutMs,
      signal: ctx.signal,
    });
    return { written };
  } catch (error) {
    ctx.log.warn('certExpiry gauge not written', { error: errorMessage(error) });
    return { error: errorMessage(error) };
  }
}
