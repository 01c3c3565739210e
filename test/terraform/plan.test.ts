import { describe, expect, it } from 'vitest';
import type { HclBody } from './load-terraform.js';
import { ENTRY_POINTS, resource, root } from './repo-terraform.js';
import { planModule } from './tf-eval.js';

// What `terraform plan` would decide for inputs a test chooses, evaluated from the HCL itself (tf-eval.ts).

const BASE = { project_id: 'opsfn-prod-1', estate_config_path: 'estate.yaml' };
const plan = (vars: Record<string, unknown> = {}) => planModule(root!, { ...BASE, ...vars });
const disabled = (...names: string[]) => Object.fromEntries(names.map((n) => [n, { enabled: false }]));

type Precondition = { condition: string; error_message: string };

/** The Scheduler jobs a plan creates, each with the error messages of the preconditions it fails. */
function schedulerJobs(vars: Record<string, unknown>): Record<string, string[]> {
  const p = plan(vars);
  const job = resource(root, 'google_cloud_scheduler_job', 'job');
  const instances = p.attribute(job.for_each) as Record<string, unknown>;
  const lifecycle = ((job.lifecycle as HclBody[] | undefined)?.[0]?.precondition ?? []) as Precondition[];
  return Object.fromEntries(
    Object.entries(instances).map(([key, value]) => [
      key,
      lifecycle.filter((c) => p.attribute(c.condition, { key, value }) !== true).map((c) => c.error_message),
    ]),
  );
}

describe('terraform plan of the root module', () => {
  it('plans no Scheduler job for a disabled function, and none at all with every function disabled', () => {
    expect(schedulerJobs({ functions: disabled(...ENTRY_POINTS) })).toEqual({});
    const jobs = schedulerJobs({ functions: disabled('drDrill') });
    expect(Object.keys(jobs).sort()).toEqual(['autoscale-sweep', 'backup-verify', 'cert-expiry', 'health-sweep']);
    expect(Object.values(jobs).flat()).toEqual([]);
    expect(Object.keys(schedulerJobs({})).length).toBeGreaterThan(3);
  });

  it.each(['us-central1', 'europe-west10', 'europe-west12', 'northamerica-northeast2', 'me-central2', 'africa-south1'])(
    'accepts the region %s',
    (region) => {
      expect(plan({ region }).rejects('region')).toEqual([]);
      expect(plan({ dr_region: region }).rejects('dr_region')).toEqual([]);
    },
  );

  it.each(['us-central', 'US-CENTRAL1', 'us_central1', 'europe-west100', 'us-central1-a'])(
    'refuses the region %s',
    (region) => {
      expect(plan({ region }).rejects('region')).toHaveLength(1);
    },
  );

  const alert = (duration: string) => ({
    a: { display_name: 'a', threshold: 0.1, duration, severity: 'WARNING', function: 'rollback' },
  });

  it.each(['0s', '60s', '300s', '3600s'])('accepts the alert duration %s, a whole number of minutes', (duration) => {
    expect(plan({ error_rate_alerts: alert(duration) }).rejects('error_rate_alerts')).toEqual([]);
  });

  it.each(['90s', '61s', '5m', '300'])('refuses the alert duration %s, which Cloud Monitoring rejects', (duration) => {
    expect(plan({ error_rate_alerts: alert(duration) }).rejects('error_rate_alerts')).toHaveLength(1);
  });

  it('accepts the default alerts', () => {
    expect(plan().rejects('error_rate_alerts')).toEqual([]);
  });
});
