import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { GuardKeys } from '../../shared/core/guard/index.js';
import { serveDemo } from '../support/demo.js';
import type { LocalProcess } from '../support/local-process.js';
import { startPrometheus } from '../support/prometheus.js';

const RULES = join(process.cwd(), 'deploy', 'prometheus', 'opsfn-rules.yaml');
const DASHBOARD = join(process.cwd(), 'deploy', 'grafana', 'opsfn-dashboard.json');

/** The PrometheusRule's `spec`: a plain Prometheus rules file. */
const rulesFile = () => stringify((parse(readFileSync(RULES, 'utf8')) as { spec: unknown }).spec);

interface PromAlert {
  labels: Record<string, string>;
  state: string;
}

describe('the PrometheusRule and the Grafana dashboard', () => {
  let demo: Awaited<ReturnType<typeof serveDemo>>;
  let prometheus: LocalProcess;

  const query = async (expr: string) => {
    const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await res.json()) as { status: string; error?: string; data: { result: unknown[] } };
  };

  beforeAll(async () => {
    demo = await serveDemo();
    await demo.firstRuns();
    // Two more failed verifications make three in a row; an open breaker is what a tripped guard leaves.
    for (const n of [1, 2]) {
      await demo.runtime.invoke('backupVerify', { kind: 'manual', id: `again-${n}`, payload: {} });
    }
    await demo.runtime.state.put(GuardKeys.breakerOpen, { at: new Date().toISOString() }, 600_000);
    prometheus = await startPrometheus({
      scrapeTarget: demo.url.replace('http://', ''),
      rules: rulesFile(),
      bearer: demo.tokens.alice,
    });
  }, 120_000);
  afterAll(async () => {
    await prometheus?.stop();
    await demo?.stop();
  });

  it('passes promtool check rules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsfn-rules-'));
    try {
      writeFileSync(join(dir, 'rules.yml'), rulesFile());
      const out = execFileSync('promtool', ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' });
      expect(out).toMatch(/SUCCESS: \d+ rules found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('raises the failing-runs, stale-backup, certificate and breaker alerts from the scraped /metrics', async () => {
    const active = async () => {
      const res = await fetch(`${prometheus.url}/api/v1/alerts`);
      const { data } = (await res.json()) as { data: { alerts: PromAlert[] } };
      return data.alerts.map(
        (a) => `${a.labels.alertname}:${a.labels.function ?? a.labels.backup ?? a.labels.endpoint ?? ''}`,
      );
    };
    await expect
      .poll(active, { timeout: 30_000, interval: 1_000 })
      .toEqual(
        expect.arrayContaining([
          'OpsfnFailingRuns:backupVerify',
          'OpsfnBackupStale:audit',
          'OpsfnBackupFailing:invoices',
          'OpsfnCircuitBreakerOpen:',
          expect.stringMatching(/^OpsfnCertificateExpiringSoon:localhost:\d+$/),
        ]),
      );
    const alerts = await active();
    expect(alerts).not.toContain('OpsfnBackupStale:orders');
    expect(alerts.filter((a) => a.startsWith('OpsfnCertificateExpiring:'))).toHaveLength(2);
  });

  it('has a dashboard whose every query Prometheus accepts, on series opsfn exposes', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    const metrics = await (
      await fetch(`${demo.url}/metrics`, { headers: { authorization: `Bearer ${demo.tokens.alice}` } })
    ).text();
    for (const expr of exprs) {
      const answer = await query(expr);
      expect(answer.status, `${expr}: ${answer.error ?? ''}`).toBe('success');
      for (const name of expr.match(/opsfn_[a-z_]+/g) ?? []) {
        expect(metrics, name).toContain(name.replace(/_bucket$/, ''));
      }
    }
  });
});
