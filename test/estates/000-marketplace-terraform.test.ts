import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registry } from '../../functions/registry.js';
import type { HclBody } from '../terraform/load-terraform.js';
import { byDir, resource, root, TF } from '../terraform/repo-terraform.js';
import { planModule } from '../terraform/tf-eval.js';
import { type Doc, exampleDoc } from './harness.js';

// Runbook 000 is deployed by terraform/examples/000-marketplace, which reads examples/000-marketplace.yaml: what
// the estate needs of its deployment (every secret it references, the alerts its policies react to, the times it
// schedules) must be what that root module plans, evaluated from the HCL itself.

const example = byDir.get(join(TF, 'examples', '000-marketplace'));
const doc = exampleDoc('000-marketplace.yaml');
const SECTION_FUNCTIONS: Record<string, string[]> = {
  backups: ['backupVerify'],
  certificates: ['certExpiry'],
  autoscale: ['autoscale'],
  rollback: ['rollback'],
  drills: ['drDrill'],
  health: ['healthSweep'],
};
const ALL = registry.map((d) => d.name);

/** The `{ env: … }` and `{ secret: … }` references under `value`. */
function references(value: unknown, found: { env: Set<string>; secret: Set<string> }) {
  if (Array.isArray(value)) for (const v of value) references(v, found);
  else if (typeof value === 'object' && value !== null) {
    const entry = value as Doc;
    if (typeof entry.env === 'string' && Object.keys(entry).length === 1) found.env.add(entry.env);
    if (typeof entry.secret === 'string' && Object.keys(entry).length === 1) found.secret.add(entry.secret);
    for (const v of Object.values(entry)) references(v, found);
  }
  return found;
}

/** The root module's inputs as the example passes them, for the example's own required variables. */
function rootInputs(): Record<string, unknown> {
  if (!example) expect.fail('terraform/examples/000-marketplace is missing');
  const call = example.modules.opsfn as HclBody;
  const p = planModule(example, {
    project_id: 'businessexchange-468413',
    services_runtime_account: 'run-services@businessexchange-468413.iam.gserviceaccount.com',
  });
  return Object.fromEntries(
    Object.entries(call)
      .filter(([key]) => key in (root?.variables ?? {}))
      .map(([key, value]) => [key, p.attribute(value)]),
  );
}

const inputs = rootInputs();
const plan = planModule(root!, inputs);

describe('terraform/examples/000-marketplace plans what examples/000-marketplace.yaml needs', () => {
  it('gives every function each environment variable the estate makes it read', () => {
    const fn = root?.modules.function as HclBody;
    const planned = (name: string) => {
      const each = { key: name, value: (plan.local('functions') as Record<string, unknown>)[name] };
      return new Set([
        ...Object.keys(plan.attribute(fn.secret_environment, each) as object),
        ...Object.keys(plan.attribute(fn.environment, each) as object),
      ]);
    };
    const missing: string[] = [];
    for (const [section, value] of Object.entries(doc)) {
      const readers = SECTION_FUNCTIONS[section] ?? ALL;
      for (const env of references(value, { env: new Set(), secret: new Set() }).env)
        for (const reader of readers) if (!planned(reader).has(env)) missing.push(`${reader}: ${env} (${section})`);
    }
    expect(missing).toEqual([]);
  });

  it('grants every function the Secret Manager secrets the notify channels read', () => {
    const secrets = [...references(doc.notify, { env: new Set(), secret: new Set() }).secret].map(
      (name) => /secrets\/([^/]+)\//.exec(name)?.[1],
    );
    expect(secrets.length).toBeGreaterThan(0);
    expect(inputs.notify_secrets).toEqual(expect.arrayContaining(secrets));
  });

  it("creates runbook 000's one error-rate alert, 5 % for 300 s on every revision, from the estate's own policy", () => {
    expect(plan.local('error_rate_alerts')).toEqual({
      'cloud-run-5xx': expect.objectContaining({ kind: 'ratio', threshold: 0.05, duration: '300s', service: null }),
    });
    const policy = resource(root, 'google_monitoring_alert_policy', 'error_rate');
    const labels = plan.attribute(policy.user_labels, {
      key: 'cloud-run-5xx',
      value: (plan.local('error_rate_alerts') as Record<string, unknown>)['cloud-run-5xx'],
    });
    expect(labels).toMatchObject(doc.rollback.policies[0].match.labels);
  });

  it('creates the latency alert the autoscale policy reacts to', () => {
    const alerts = inputs.latency_alerts as Record<string, unknown>;
    const policy = resource(root, 'google_monitoring_alert_policy', 'latency');
    const labels = Object.entries(alerts).map(([key, value]) => plan.attribute(policy.user_labels, { key, value }));
    expect(labels).toEqual([expect.objectContaining(doc.autoscale.policies[0].match.labels)]);
  });

  it("schedules the daily verification at the estate's 12:00 in Asia/Taipei", () => {
    const job = resource(root, 'google_cloud_scheduler_job', 'job');
    const each = {
      key: 'backup-verify',
      value: (plan.attribute(job.for_each) as Record<string, unknown>)['backup-verify'],
    };
    expect([plan.attribute(job.schedule, each), plan.attribute(job.time_zone, each)]).toEqual([
      '0 12 * * *',
      'Asia/Taipei',
    ]);
  });
});
