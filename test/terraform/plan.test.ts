import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { HclBody } from './load-terraform.js';
import { ENTRY_POINTS, ROOT, resource, root } from './repo-terraform.js';
import { planModule } from './tf-eval.js';

// What `terraform plan` would decide for inputs a test chooses, evaluated from the HCL itself (tf-eval.ts).

const BASE = { project_id: 'opsfn-prod-1', estate_config_path: join(ROOT, 'examples', 'local.yaml') };
const dir = mkdtempSync(join(tmpdir(), 'opsfn-tf-plan-'));
/** An estate file for a plan to read. */
function estateFile(estate: Record<string, unknown>): string {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, stringify(estate));
  return path;
}
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
    expect(Object.keys(jobs).sort()).toEqual([
      'autoscale-sweep',
      'backup-restore-test',
      'backup-verify',
      'cert-expiry',
      'health-sweep',
    ]);
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
    expect(plan().rejects('latency_alerts')).toEqual([]);
  });

  it.each([
    [{ kind: 'rate', threshold: 0.01 }, 0],
    [{ kind: 'rate', threshold: 3 }, 0],
    [{ kind: 'ratio', threshold: 3 }, 1],
    [{ kind: 'share', threshold: 0.1 }, 1],
  ])('judges the error-rate alert %j', (fields, refusals) => {
    const a = { display_name: 'a', threshold: 0.1, duration: '300s', severity: 'WARNING', function: 'rollback' };
    expect(plan({ error_rate_alerts: { a: { ...a, ...fields } } }).rejects('error_rate_alerts')).toHaveLength(refusals);
  });

  it.each([
    [{ percentile: 95 }, 0],
    [{ percentile: 90 }, 1],
    [{ duration: '90s' }, 1],
    [{ function: 'drDrill' }, 1],
  ])('judges the latency alert %j', (fields, refusals) => {
    const a = { display_name: 'slow', threshold_ms: 500, duration: '300s', severity: 'WARNING', function: 'autoscale' };
    expect(plan({ latency_alerts: { a: { ...a, ...fields } } }).rejects('latency_alerts')).toHaveLength(refusals);
  });
});

/** The Scheduler job instances of a plan: their schedule, zone, paused flag and payload as Cloud Scheduler gets them. */
function jobs(vars: Record<string, unknown>) {
  const p = plan(vars);
  const job = resource(root, 'google_cloud_scheduler_job', 'job');
  const instances = p.attribute(job.for_each) as Record<string, unknown>;
  const target = (job.pubsub_target as HclBody[])[0] ?? {};
  return Object.fromEntries(
    Object.entries(instances).map(([key, value]) => {
      const each = { key, value };
      const data = String(p.attribute(target.data, each));
      return [
        key,
        {
          schedule: p.attribute(job.schedule, each),
          timeZone: p.attribute(job.time_zone, each),
          paused: p.attribute(job.paused, each),
          payload: JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as unknown,
        },
      ];
    }),
  );
}

describe("the Scheduler jobs follow the estate's schedules, as opsfn serve does", () => {
  it("applies an override's schedule, time zone, paused and payload, and the estate's timezone to the rest", () => {
    const estate = estateFile({
      estate: 'after-sales',
      timezone: 'Asia/Shanghai',
      schedules: {
        'backup-verify': { schedule: '0 10 * * *' },
        'backup-restore-test': { paused: false },
        'health-sweep': { schedule: '0 9,14,20 * * *', timeZone: 'UTC' },
        'dr-drill-quarterly-full': { payload: { plan: 'q' } },
      },
    });
    const planned = jobs({ estate_config_path: estate });
    expect(planned['backup-verify']).toEqual({
      schedule: '0 10 * * *',
      timeZone: 'Asia/Shanghai',
      paused: false,
      payload: {},
    });
    expect(planned['backup-restore-test']).toMatchObject({ paused: false, payload: { restore: true } });
    expect(planned['health-sweep']).toMatchObject({ schedule: '0 9,14,20 * * *', timeZone: 'UTC' });
    expect(planned['dr-drill-quarterly-full']?.payload).toEqual({ plan: 'q' });
    expect(planned['cert-expiry']).toMatchObject({ schedule: '0 9 * * *', timeZone: 'Asia/Shanghai' });
  });

  it('keeps the job files as they are for an estate without schedules, paused jobs paused', () => {
    const planned = jobs({});
    expect(planned['backup-verify']).toMatchObject({ schedule: '30 3 * * *', timeZone: 'UTC', paused: false });
    expect(planned['backup-restore-test']).toMatchObject({ paused: true });
  });

  it('refuses, before anything is created, an override naming a job schedules/ does not have', () => {
    const estate = estateFile({ estate: 'x', schedules: { 'backup-verfy': { schedule: '0 10 * * *' } } });
    const p = plan({ estate_config_path: estate });
    const object = resource(root, 'google_storage_bucket_object', 'estate');
    const [check] = ((object.lifecycle as HclBody[] | undefined)?.[0]?.precondition ?? []) as Precondition[];
    expect(p.attribute(check?.condition)).toBe(false);
    expect(p.attribute(check?.error_message)).toBe(
      "The estate's schedules name jobs that schedules/ does not have: backup-verfy.",
    );
    expect(plan().attribute(check?.condition)).toBe(true);
  });
});

describe("the error-rate alert policies come from the estate's rollback policies", () => {
  const alerts = (estate: Record<string, unknown>) =>
    plan({ estate_config_path: estateFile(estate) }).local('error_rate_alerts') as Record<
      string,
      Record<string, unknown>
    >;
  const services = { web: { platform: 'cloud-run', project: 'p', region: 'us-central1', name: 'web-svc' } };

  it('derives one alert per rollback policy Cloud Monitoring measures, with its threshold, window and service', () => {
    expect(
      alerts({
        services,
        rollback: {
          policies: [
            { name: 'all-5xx', match: { labels: { 'opsfn-function': 'rollback' } }, errorRate: { threshold: '5%' } },
            {
              name: 'web-rate',
              match: { labels: { 'opsfn-function': 'rollback' } },
              service: 'web',
              errorRate: { threshold: '0.01/s', window: '90s' },
            },
            { name: 'by-prometheus', match: { alert: 'HighErrorRate' }, errorRate: { threshold: 0.1 } },
            {
              match: { labels: { 'opsfn-function': 'rollback' } },
              errorRate: { threshold: 0.1, query: 'x', totalQuery: 'y' },
            },
          ],
        },
      }),
    ).toEqual({
      'all-5xx': {
        kind: 'ratio',
        threshold: 0.05,
        duration: '300s',
        service: null,
        severity: 'CRITICAL',
        function: 'rollback',
        display_name: 'all-5xx: 5xx 5% for 5m',
      },
      'web-rate': {
        kind: 'rate',
        threshold: 0.01,
        duration: '120s',
        service: 'web-svc',
        severity: 'CRITICAL',
        function: 'rollback',
        display_name: 'web-rate: 5xx 0.01/s for 90s (web-svc)',
      },
    });
  });

  it('reads a rate written with spaces as the estate does: "1 / m" is a rate, not a share of 100 %', () => {
    const derived = alerts({
      rollback: {
        policies: [
          { name: 'spaced', match: { labels: { 'opsfn-function': 'rollback' } }, errorRate: { threshold: ' 1 / m' } },
        ],
      },
    });
    expect(derived.spaced).toMatchObject({ kind: 'rate', threshold: 1 / 60, display_name: 'spaced: 5xx 1/m for 5m' });
  });

  it('creates none for an estate without such policies, and takes explicit ones instead when given', () => {
    expect(alerts({ estate: 'local' })).toEqual({});
    const explicit = {
      a: { display_name: 'a', threshold: 0.1, duration: '120s', severity: 'WARNING', function: 'rollback' },
    };
    expect(plan({ error_rate_alerts: explicit }).local('error_rate_alerts')).toEqual({
      a: { ...explicit.a, kind: 'ratio', service: null },
    });
  });
});

describe('continuations in the plan', () => {
  it('lets each function with a continuation topic publish there, and consume it, and no other function', () => {
    const p = plan();
    const grants = p.attribute(resource(root, 'google_pubsub_topic_iam_member', 'continuation_publisher').for_each);
    expect(grants).toEqual({
      backupVerify: 'shards-backup-verify',
      certExpiry: 'shards-cert-expiry',
      drDrill: 'drill-steps',
    });
    const functions = p.attribute(root?.modules.function?.for_each) as Record<string, { topics: string[] }>;
    for (const [name, topic] of Object.entries(grants as Record<string, string>)) {
      expect(functions[name]?.topics, name).toContain(topic);
    }
  });
});
