import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type HclBody, stringLeaves } from './load-terraform.js';
import {
  catalogue,
  ENTRY_POINTS,
  functionModule,
  hcl,
  modules,
  name,
  ROOT,
  resource,
  root,
  TF,
} from './repo-terraform.js';

const INTERPOLATION_START = hcl('').slice(0, -1);

function kebab(entryPoint: string): string {
  return entryPoint.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

describe('terraform', () => {
  it('names each of the five entry points once, in folders of the same name', () => {
    expect(Object.keys(catalogue()).sort()).toEqual([...ENTRY_POINTS].sort());
    for (const [entryPoint, spec] of Object.entries(catalogue())) expect(spec.folder).toBe(kebab(entryPoint));
    const call = root?.modules.function;
    expect(call?.source).toBe('./modules/function');
    expect(call?.for_each).toBe(hcl('local.functions'));
    expect(call?.entry_point).toBe(hcl('each.key'));
    expect(call?.source_dir).toBe(`${hcl('local.bundles_dir')}/${hcl('each.value.folder')}`);
    for (const m of modules) {
      for (const leaf of stringLeaves(m.parsed).filter((l) => l.path.at(-1) === 'entry_point')) {
        if (!leaf.value.includes(INTERPOLATION_START)) expect(ENTRY_POINTS).toContain(leaf.value);
      }
    }
  });

  it('names only entry points functions/index.ts registers, once it exists', async () => {
    const index = join(ROOT, 'functions', 'index.ts');
    if (!existsSync(index)) return;
    expect(readFileSync(index, 'utf8')).toMatch(/registerFunctions\(functions, \{ estate \}\)/);
    const { functions } = await import('../support/catalogue.js');
    const { registerFunctions } = await import('../../shared/host/runtime/register.js');
    const targets: string[] = [];
    registerFunctions(functions, {
      loadRuntime: () => Promise.reject(new Error('not served in this test')),
      registrar: { http: (target) => targets.push(target) },
    });
    // Push delivery deploys the HTTP target `<name>`, Eventarc delivery the CloudEvent target `<name>Event`.
    const missing = Object.keys(catalogue()).flatMap((entryPoint) =>
      [entryPoint, `${entryPoint}Event`].filter((target) => !targets.includes(target)),
    );
    expect(missing, 'targets Terraform deploys but functions/index.ts does not register').toEqual([]);
  });

  it('turns every schedule file into a job on the topic of a scheduled function', () => {
    const scheduleDir = join(ROOT, 'schedules');
    expect(String(root?.locals.schedule_dir)).toBe(`${hcl('path.module')}/../schedules`);
    expect(String(root?.locals.schedule_files)).toBe(hcl('fileset(local.schedule_dir, "*.yaml")'));
    expect(String(root?.locals.packaged_schedules)).toContain('yamldecode(');
    const job = resource(root, 'google_cloud_scheduler_job', 'job');
    expect(job.for_each).toBe(hcl('local.scheduled_jobs'));
    const target = (job.pubsub_target as HclBody[])[0] ?? {};
    expect(target.data).toBe(hcl('base64encode(jsonencode(try(each.value.payload, {})))'));
    expect(JSON.stringify(target.attributes)).toContain('opsfn-job');
    const files = existsSync(scheduleDir) ? readdirSync(scheduleDir).filter((f) => f.endsWith('.yaml')) : [];
    for (const file of files) {
      const schedule = parseYaml(readFileSync(join(scheduleDir, file), 'utf8')) as { function?: string };
      const spec = catalogue()[String(schedule.function)];
      expect(spec, `schedules/${file}: function ${schedule.function} is not deployed`).toBeDefined();
      expect(spec?.topics, `schedules/${file}: ${schedule.function} has no schedules topic`).toContain(
        `schedules-${spec?.folder}`,
      );
    }
  });

  it('gives every consumed topic a dead-letter topic, a DLQ subscription and the service agent grants', () => {
    for (const label of ['inbox', 'dead_letter']) {
      expect(resource(root, 'google_pubsub_topic', label).for_each).toBe(hcl('local.topics'));
    }
    expect(resource(root, 'google_pubsub_subscription', 'dead_letter').for_each).toBe(hcl('local.topics'));
    expect(resource(root, 'google_pubsub_topic_iam_member', 'dead_letter_publisher').member).toContain(
      'local.pubsub_service_agent',
    );
    expect(String(root?.locals.pubsub_service_agent)).toContain('@gcp-sa-pubsub.iam.gserviceaccount.com');
    const push = resource(functionModule, 'google_pubsub_subscription', 'push');
    // Every subscription dead-letters, except one on a dead-letter topic itself (functions.tf).
    expect(JSON.stringify(push.dynamic)).toContain(
      'each.value.dead_letter_topic == null ? [] : [each.value.dead_letter_topic]',
    );
    expect(resource(functionModule, 'google_pubsub_subscription_iam_member', 'dead_letter_forwarder').role).toBe(
      'roles/pubsub.subscriber',
    );
    const trigger = resource(functionModule, 'google_eventarc_trigger', 'topic');
    expect(JSON.stringify(trigger.matching_criteria)).toContain('google.cloud.pubsub.topic.v1.messagePublished');
    const topics = new Set(Object.values(catalogue()).flatMap((spec) => spec.topics));
    expect([...topics].sort()).toEqual(
      expect.arrayContaining(['alerts', 'drill-steps', 'schedules-backup-verify', 'schedules-cert-expiry']),
    );
  });

  it('deploys each function from a content-hashed archive as nodejs22 with its own account and secret env', () => {
    expect(functionModule?.variables.runtime?.default).toBe('nodejs22');
    expect(String(functionModule?.locals.source_object)).toContain('data.archive_file.source.output_sha256');
    expect(String(root?.locals.bundles_dir)).toContain('../dist/bundles');
    resource(functionModule, 'google_service_account', 'function');
    const fn = resource(functionModule, 'google_cloudfunctions2_function', 'function');
    const service = JSON.stringify(fn.service_config);
    for (const key of ['available_memory', 'timeout_seconds', 'max_instance_count', 'secret_environment_variables']) {
      expect(service).toContain(key);
    }
    expect(service).toContain('google_service_account.function.email');
    // The runtime ends a run inside the platform's request timeout: it is told that timeout.
    expect(service).toMatch(/OPSFN_FUNCTION_TIMEOUT = tostring\(var\.timeout_seconds\)/);
    // The code cache each bundle's gcp-build step writes into its source directory, read at every cold start.
    expect(service).toMatch(/NODE_COMPILE_CACHE *= \\"\.compile-cache\\"/);
    expect(JSON.stringify(fn.build_config)).toContain('local.target');
    // What the bundle's gcp-build step cannot see in the build: the function's memory and its own NODE_OPTIONS.
    expect(JSON.stringify(fn.build_config)).toMatch(/OPSFN_MEMORY_MB = tostring\(local\.memory_mb\)/);
    expect(JSON.stringify(fn.build_config)).toContain(
      'OPSFN_RUNTIME_NODE_OPTIONS = var.environment[\\"NODE_OPTIONS\\"]',
    );
    // A cache left in a bundle by hand is never uploaded.
    expect(functionModule?.text).toMatch(/excludes\s*=\s*\["\.compile-cache"\]/);
    expect(String(functionModule?.locals.target)).toMatch(/var\.entry_point\}Event.*: var\.entry_point/);
    expect(JSON.stringify(root?.modules.function?.environment)).toContain('OPSFN_CONFIG');
  });

  it('grants no broad role and confines the drill to its scratch instances', () => {
    const all = modules.map((m) => m.text).join('\n');
    expect(all).not.toMatch(
      /roles\/(owner|editor|cloudsql\.admin|run\.admin|iam\.serviceAccountAdmin|storage\.admin)"/,
    );
    const scratch = resource(root, 'google_project_iam_custom_role', 'drill_scratch');
    expect(scratch.permissions).toEqual(
      expect.arrayContaining(['cloudsql.instances.restoreBackup', 'cloudsql.instances.delete']),
    );
    const source = resource(root, 'google_project_iam_custom_role', 'drill_source');
    expect(source.permissions).toContain('cloudsql.instances.clone');
    expect(source.permissions).not.toContain('cloudsql.instances.delete');
    const grant = resource(root, 'google_project_iam_member', 'drill_scratch');
    expect(JSON.stringify(grant.condition)).toContain('var.drill_prefix');
    expect(resource(root, 'google_cloud_run_v2_service_iam_member', 'run_change').role).toBe(
      hcl('google_project_iam_custom_role.run_change[0].id'),
    );
    expect(resource(root, 'google_service_account_iam_member', 'run_act_as').role).toBe('roles/iam.serviceAccountUser');
    expect(resource(root, 'google_project_iam_member', 'backup_sql_viewer').role).toBe('roles/cloudsql.viewer');
  });

  it("routes Cloud Run 5xx and latency alerts through a Pub/Sub channel, with the estate's thresholds", () => {
    const channel = resource(root, 'google_monitoring_notification_channel', 'alerts');
    expect(channel.type).toBe('pubsub');
    expect(JSON.stringify(channel.labels)).toContain('google_pubsub_topic.inbox[\\"alerts\\"].id');
    expect(resource(root, 'google_pubsub_topic_iam_member', 'monitoring_publisher').member).toContain(
      'local.monitoring_service_agent',
    );
    const policy = resource(root, 'google_monitoring_alert_policy', 'error_rate');
    const condition = JSON.stringify(policy.conditions);
    expect(condition).toContain('denominator_filter');
    expect(condition).toContain('response_code_class');
    expect(JSON.stringify(policy.user_labels)).toContain('opsfn-function');
    // No thresholds of its own: by default they come from the estate's rollback policies (plan.test.ts).
    expect(root?.variables.error_rate_alerts?.default).toBeNull();
    expect(resource(root, 'google_monitoring_alert_policy', 'error_rate').for_each).toBe(
      hcl('local.error_rate_alerts'),
    );
    const latency = resource(root, 'google_monitoring_alert_policy', 'latency');
    expect(JSON.stringify(latency.conditions)).toContain('local.run_latencies');
    expect(JSON.stringify(latency.user_labels)).toContain('opsfn-function');
    // Reminders of an open latency incident keep autoscale's firing mark fresh past down.staleAfter (6h).
    const strategy = JSON.stringify(latency.alert_strategy);
    expect(strategy).toContain('"renotify_interval":"3600s"');
    expect(strategy).toContain('google_monitoring_notification_channel.alerts.id');
  });

  it('keeps audit records 400 days in their own log bucket', () => {
    expect(root?.variables.audit_retention_days?.default).toBe(400);
    expect(resource(root, 'google_logging_project_bucket_config', 'audit').retention_days).toBe(
      hcl('var.audit_retention_days'),
    );
    expect(resource(root, 'google_logging_project_sink', 'audit').filter).toContain('jsonPayload.audit=true');
  });

  it('has an example root module per estate that exists in examples/', () => {
    const examples = modules.filter((m) => dirname(m.dir) === join(TF, 'examples'));
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      const config = Object.values(example.modules)
        .map((call) => String(call.estate_config_path ?? ''))
        .find((path) => path !== '');
      const path = config?.replace(hcl('path.module'), example.dir) ?? '';
      expect(existsSync(path), `${name(example)}: estate config ${config} does not exist`).toBe(true);
    }
  });
});
