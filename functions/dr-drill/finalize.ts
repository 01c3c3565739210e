import type { Context, RunResult } from '../../shared/core/run/index.js';
import type { DrDrillDeps } from './deps.js';
import { measure } from './measure.js';
import type { DrillRecord } from './model.js';
import { renderHtmlReport } from './report/html.js';
import { buildJsonReport } from './report/json.js';
import { drillResult } from './result.js';
import { activeKey } from './start.js';
import { saveDrill } from './step-env.js';
import { message } from './steps/types.js';

/** Where a drill's reports go under `reports.url`: `<url>/drDrill/<day>/<id>-<plan>.{json,html}`. */
export function reportUrls(reportsUrl: string, drill: DrillRecord): { json: string; html: string } {
  const base = `${reportsUrl.replace(/\/+$/, '')}/drDrill/${drill.startedAt.slice(0, 10)}/${drill.id}-${drill.plan}`;
  return { json: `${base}.json`, html: `${base}.html` };
}

/**
 * Ends a drill after its cleanup: measures RTO/RPO, settles the verdict (any failed step, anything
 * left behind or a missed target fails it), writes the JSON and HTML reports, notifies with their
 * link and leaves an audit record naming them.
 */
export async function finalize(ctx: Context, ports: DrDrillDeps, drill: DrillRecord): Promise<RunResult> {
  drill.finishedAt = ctx.now().toISOString();
  drill.measurements = measure(drill);
  const m = drill.measurements;
  const failedStep = drill.steps.find((s) => s.status === 'fail');
  const leaked = drill.resources.filter((r) => r.state === 'leaked');
  const reasons: string[] = [];
  if (failedStep) reasons.push(`step ${failedStep.name} failed: ${failedStep.detail ?? ''}`);
  if (leaked.length > 0) reasons.push(`left behind: ${leaked.map((r) => r.name).join(', ')}`);
  if (!drill.cancel && !failedStep && !m.rtoOk) reasons.push(`RTO ${m.rto ?? '?'}s over the ${m.targets.rto}s target`);
  if (!drill.cancel && !failedStep && !m.rpoOk) reasons.push(`RPO ${m.rpo ?? '?'}s over the ${m.targets.rpo}s target`);
  drill.status = drill.cancel && leaked.length === 0 ? 'cancelled' : reasons.length > 0 ? 'failed' : 'passed';

  if (ctx.config.reports) {
    const urls = reportUrls(ctx.config.reports.url, drill);
    const options = {
      endpoints: ctx.config.endpoints,
      secret: (ref: Parameters<Context['secret']>[0]) => ctx.secret(ref),
    };
    try {
      drill.report = urls;
      await ports.writeReport(
        urls.json,
        `${JSON.stringify(ctx.redact(buildJsonReport(drill, reasons)), null, 2)}\n`,
        'application/json',
        options,
      );
      const html = ctx.redact(renderHtmlReport(drill, reasons));
      await ports.writeReport(urls.html, html, 'text/html; charset=utf-8', options);
    } catch (error) {
      drill.report = { error: `report not written: ${message(error)}` };
      ctx.log.warn('drill report not written', { drill: drill.id, error: message(error) });
    }
  }
  await saveDrill(ctx, drill);
  await ctx.state.delete(activeKey(drill.plan)).catch(() => undefined);

  const headline = `DR drill ${drill.id} (${drill.plan}) ${drill.status}`;
  const figures = `RTO ${m.rto ?? '—'}s / target ${m.targets.rto}s, RPO ${m.rpo ?? '—'}s / target ${m.targets.rpo}s`;
  const link = drill.report?.html
    ? ` Report: ${drill.report.html}`
    : drill.report?.error
      ? ` (${drill.report.error})`
      : '';
  await ctx.notify({
    severity: drill.status === 'passed' ? 'info' : leaked.length > 0 ? 'critical' : 'warning',
    title: headline,
    text: `${figures}.${reasons.length > 0 ? ` ${reasons.join('; ')}.` : ''}${link}`,
    dedupKey: `drDrill-${drill.id}`,
    function: ctx.function,
    ...(drill.report?.html ? { links: [{ title: 'Drill report', url: drill.report.html }] } : {}),
  });
  ctx.log.audit({
    decision: 'decided',
    action: 'drill.verdict',
    target: drill.id,
    reason: reasons.join('; ') || 'every step passed, cleanup complete, targets met',
    outcome: drill.status,
    evidence: {
      plan: drill.plan,
      rto: m.rto,
      rpo: m.rpo,
      targets: m.targets,
      report: drill.report,
      resources: drill.resources.length,
    },
  });
  const result = drillResult(drill);
  return { ...result, summary: `${headline}: ${figures}${reasons.length > 0 ? `; ${reasons.join('; ')}` : ''}` };
}
