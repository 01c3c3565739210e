import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDemoBackups } from '../../demo/backups.js';
import { backupVerify } from '../../functions/backup-verify/handler.js';
import { EstateSchema } from '../../functions/estate.js';
import { createLogger } from '../../shared/core/audit/index.js';
import { Redactor } from '../../shared/core/audit/redactor.js';
import { GUARDRAILS } from '../../shared/core/guard/index.js';
import { MemoryStateStore } from '../../shared/core/state/memory.js';
import { runFunction } from '../../shared/host/runtime/invoke.js';
import type { HclBody } from './load-terraform.js';
import { catalogue, functionModule, hcl, ROOT, resource, root, TF } from './repo-terraform.js';
import { planModule } from './tf-eval.js';

type LogMetric = { description: string; filter: string; labels: Record<string, string> };
const metrics = (root?.locals.log_metrics ?? {}) as Record<string, LogMetric>;
const auditFilter = String(root?.locals.audit_filter ?? '');
const first = (value: unknown): HclBody => ((value as HclBody[] | undefined) ?? [])[0] ?? {};

/** The fields of the audit records opsfn writes, from a real finished record and a refused one. */
function auditFields(): Set<string> {
  const lines: string[] = [];
  const log = createLogger({
    redactor: new Redactor([]),
    sink: (line) => lines.push(line),
    run: { runId: 'r', function: 'rollback', trigger: { kind: 'manual', id: 'm' }, dryRun: false },
  });
  log.audit({ decision: 'finished', reason: 'x', outcome: 'ok', durationMs: 12 });
  log.audit({ decision: 'refused', action: 'rollback', target: 'web', reason: 'breaker: open' });
  return new Set(lines.flatMap((l) => Object.keys(JSON.parse(l) as object)));
}

const DECISIONS = [
  ...readFileSync(join(ROOT, 'shared/core/audit/record.ts'), 'utf8').matchAll(/^\s+\| '([a-z-]+)';?$/gm),
].map((m) => m[1]);

describe('opsfn figures from its audit trail on Google Cloud', () => {
  it('counts audit records only, by fields the audit records carry, with decisions the runtime writes', () => {
    expect(auditFilter).toContain('jsonPayload.audit=true');
    expect(Object.keys(metrics).sort()).toEqual(['actions', 'guard_refusals', 'rejected', 'runs']);
    const fields = auditFields();
    for (const metric of Object.values(metrics)) {
      expect(metric.filter.startsWith(`${hcl('local.audit_filter')} AND `)).toBe(true);
      for (const extractor of Object.values(metric.labels)) {
        const field = /^(?:REGEXP_)?EXTRACT\(jsonPayload\.([A-Za-z]+)/.exec(extractor)?.[1];
        expect(fields, extractor).toContain(field);
      }
      for (const decision of metric.filter.matchAll(/"([a-z-]+)"/g)) expect(DECISIONS).toContain(decision[1]);
    }
    const duration = resource(root, 'google_logging_metric', 'run_duration');
    expect(duration.value_extractor).toBe('EXTRACT(jsonPayload.durationMs)');
    expect(fields).toContain('durationMs');
    const age = resource(root, 'google_logging_metric', 'backup_age');
    expect(age.value_extractor).toBe('EXTRACT(jsonPayload.evidence.object.ageHours)');
    expect(JSON.stringify(age.label_extractors)).toContain('jsonPayload.target');
  });

  it('reads each backup and its age from the record backupVerify writes per backup', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsfn-tf-backups-'));
    try {
      await writeDemoBackups(dir, new Date());
      const lines: string[] = [];
      const config = EstateSchema.parse({
        backups: { orders: { kind: 'object-store', url: `file://${dir}/orders/`, pattern: '*.sql.gz' } },
      });
      await runFunction(
        backupVerify,
        { kind: 'manual', id: 'm', payload: {} },
        {
          config,
          state: new MemoryStateStore(),
          logSink: (line) => lines.push(line),
        },
      );
      const age = resource(root, 'google_logging_metric', 'backup_age');
      const label = /REGEXP_EXTRACT\(jsonPayload\.target, \\"(.+)\\"\)/.exec(JSON.stringify(age.label_extractors))?.[1];
      const records = lines
        .map(
          (l) => JSON.parse(l) as { decision?: string; target?: string; evidence?: { object?: { ageHours?: number } } },
        )
        .filter((r) => r.decision === 'decided' && r.target?.startsWith('backup:'));
      expect(records).toHaveLength(1);
      expect(new RegExp((label ?? '').replaceAll('\\\\', '\\')).exec(records[0]?.target ?? '')?.[1]).toBe('orders');
      expect(records[0]?.evidence?.object?.ageHours).toBeCloseTo(2, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells every guardrail apart by the reason its refusals are written with', () => {
    const extractor = /REGEXP_EXTRACT\(jsonPayload\.reason, "(.+)"\)/.exec(
      metrics.guard_refusals?.labels.guardrail ?? '',
    )?.[1];
    const pattern = new RegExp((extractor ?? '').replaceAll('\\\\', '\\'));
    for (const { name } of GUARDRAILS) expect(pattern.exec(`${name}: refused`)?.[1]).toBe(name);
    expect(JSON.stringify(resource(root, 'google_monitoring_alert_policy', 'opsfn_breaker').conditions)).toMatch(
      /metric\.labels\.guardrail=\\+"breaker\\+"/,
    );
  });

  it('draws a dashboard of the metrics it defines, grouped by their own labels', () => {
    const dashboard = JSON.parse(readFileSync(join(TF, 'dashboards', 'opsfn.json'), 'utf8')) as {
      mosaicLayout: {
        tiles: {
          widget: {
            xyChart: {
              dataSets: {
                timeSeriesQuery: { timeSeriesFilter: { filter: string; aggregation: { groupByFields: string[] } } };
              }[];
            };
          };
        }[];
      };
    };
    const labels: Record<string, string[]> = {
      ...Object.fromEntries(Object.entries(metrics).map(([k, m]) => [k, Object.keys(m.labels)])),
      run_duration: ['function'],
      backup_age: ['backup'],
    };
    const tiles = dashboard.mosaicLayout.tiles.flatMap((t) => t.widget.xyChart.dataSets);
    expect(tiles.length).toBeGreaterThanOrEqual(6);
    for (const { timeSeriesQuery } of tiles) {
      const { filter, aggregation } = timeSeriesQuery.timeSeriesFilter;
      const metric = /logging\.googleapis\.com\/user\/opsfn\/([a-z_]+)"/.exec(filter)?.[1] as string;
      expect(Object.keys(labels)).toContain(metric);
      for (const field of aggregation.groupByFields)
        expect(labels[metric]).toContain(field.replace('metric.label.', ''));
    }
  });

  it('pages people about opsfn failing, never the alerts topic opsfn consumes', () => {
    for (const label of ['opsfn_failing', 'opsfn_breaker', 'opsfn_dead_letters']) {
      const policy = resource(root, 'google_monitoring_alert_policy', label);
      expect(policy.notification_channels).toBe(hcl('var.human_notification_channels'));
    }
    expect(root?.variables.failed_runs_alert?.default).toEqual({ count: 3, window: '3600s' });
  });

  it('pages people when Pub/Sub dead-letters a trigger of any opsfn subscription, and says where to look', () => {
    // https://cloud.google.com/pubsub/docs/monitoring: subscription/dead_letter_message_count, the messages Pub/Sub
    // forwards from a subscription to its dead-letter topic, on the pubsub_subscription resource (subscription_id).
    const policy = resource(root, 'google_monitoring_alert_policy', 'opsfn_dead_letters');
    expect(policy.count).toBe(resource(root, 'google_monitoring_alert_policy', 'opsfn_failing').count);
    expect(JSON.stringify(policy)).not.toContain('google_monitoring_notification_channel.alerts');
    const condition = first(first(policy.conditions).condition_threshold);
    const filter = String(condition.filter);
    expect(filter).toContain('metric.type="pubsub.googleapis.com/subscription/dead_letter_message_count"');
    expect(filter).toContain('resource.type="pubsub_subscription"');
    expect(condition).toMatchObject({ comparison: 'COMPARISON_GT', threshold_value: 0, duration: '0s' });
    expect(first(condition.aggregations).group_by_fields).toEqual(['resource.labels.subscription_id']);
    // Every subscription with a dead-letter policy is a function's push subscription, opsfn-<function>-<topic>:
    // the filter's prefix takes all of them.
    const prefix = /resource\.labels\.subscription_id=starts_with\("([^"]+)"\)/.exec(filter)?.[1] ?? '';
    expect(prefix).toBe('opsfn-');
    const push = resource(functionModule, 'google_pubsub_subscription', 'push');
    expect(push.name).toBe(`${hcl('local.function_name')}-${hcl('each.key')}`);
    expect(JSON.stringify(push.dynamic)).toContain('dead_letter_policy');
    for (const { folder } of Object.values(catalogue())) {
      expect(planModule(functionModule!, { name: folder }).local('function_name')).toMatch(new RegExp(`^${prefix}`));
    }
    // It names where the dead letter is kept and where the function said why.
    const docs = first(policy.documentation);
    expect(docs.subject).toContain('$${resource.label.subscription_id}');
    const content = String(docs.content);
    expect(resource(root, 'google_pubsub_subscription', 'dead_letter').name).toBe(`opsfn-${hcl('each.key')}-dlq`);
    expect(root?.outputs.dead_letter_subscriptions).toBeDefined();
    expect(resource(root, 'google_logging_project_bucket_config', 'audit').bucket_id).toBe('opsfn-audit');
    for (const where of ['opsfn-<topic>-dlq', 'dead_letter_subscriptions', 'jsonPayload.audit=true', 'opsfn-audit']) {
      expect(content).toContain(where);
    }
  });
});
