import { describe, expect, it } from 'vitest';
import { functionModule, hcl, resource, root } from './repo-terraform.js';
import { planModule } from './tf-eval.js';

// The API each resource type is created through: a resource created before its API is enabled fails on a
// fresh project (https://cloud.google.com/service-usage/docs/enable-disable).
const API_OF: Record<string, string[]> = {
  google_artifact_registry_repository: ['artifactregistry.googleapis.com'],
  google_artifact_registry_repository_iam_member: ['artifactregistry.googleapis.com'],
  google_cloud_run_v2_job: ['run.googleapis.com'],
  google_cloud_run_v2_job_iam_member: ['run.googleapis.com'],
  google_cloud_run_v2_service_iam_member: ['run.googleapis.com'],
  google_cloud_scheduler_job: ['cloudscheduler.googleapis.com'],
  google_cloudfunctions2_function: [
    'cloudfunctions.googleapis.com',
    'cloudbuild.googleapis.com',
    'artifactregistry.googleapis.com',
    'run.googleapis.com',
  ],
  google_eventarc_trigger: ['eventarc.googleapis.com'],
  google_logging_project_bucket_config: ['logging.googleapis.com'],
  google_logging_metric: ['logging.googleapis.com'],
  google_logging_project_sink: ['logging.googleapis.com'],
  google_monitoring_alert_policy: ['monitoring.googleapis.com'],
  google_monitoring_dashboard: ['monitoring.googleapis.com'],
  google_monitoring_notification_channel: ['monitoring.googleapis.com'],
  google_project_iam_custom_role: ['iam.googleapis.com'],
  google_project_iam_member: ['cloudresourcemanager.googleapis.com'],
  google_pubsub_subscription: ['pubsub.googleapis.com'],
  google_pubsub_subscription_iam_member: ['pubsub.googleapis.com'],
  google_pubsub_topic: ['pubsub.googleapis.com'],
  google_pubsub_topic_iam_member: ['pubsub.googleapis.com'],
  google_redis_instance: ['redis.googleapis.com', 'compute.googleapis.com'],
  google_secret_manager_secret: ['secretmanager.googleapis.com'],
  google_secret_manager_secret_iam_member: ['secretmanager.googleapis.com'],
  google_secret_manager_secret_version: ['secretmanager.googleapis.com'],
  google_service_account: ['iam.googleapis.com'],
  google_service_account_iam_member: ['iam.googleapis.com'],
  google_storage_bucket: ['storage.googleapis.com'],
  google_storage_bucket_iam_member: ['storage.googleapis.com'],
  google_storage_bucket_object: ['storage.googleapis.com'],
  google_vpc_access_connector: ['vpcaccess.googleapis.com', 'compute.googleapis.com'],
};
const ENABLEMENT = 'google_project_service.apis';

/** What a piece of HCL refers to: root resources (`type.label`), the function module, and locals followed through. */
function refsOf(text: string, seen = new Set<string>()): string[] {
  const refs = [...text.matchAll(/(?<![\w.])(google_[a-z0-9_]+|module)\.([a-z_][a-z0-9_]*)/g)].map(
    (m) => `${m[1]}.${m[2]}`,
  );
  for (const [, name] of text.matchAll(/(?<![\w.])local\.([a-z_][a-z0-9_]*)/g)) {
    if (!name || seen.has(name)) continue;
    seen.add(name);
    refs.push(...refsOf(JSON.stringify(root?.locals[name] ?? ''), seen));
  }
  return [...new Set(refs)];
}

/** Every root resource as `type.label`, with what its body refers to. */
function references(): Map<string, { refs: string[] }> {
  const all = new Map<string, { refs: string[] }>();
  for (const [type, byLabel] of Object.entries(root?.resources ?? {})) {
    for (const [label, body] of Object.entries(byLabel)) {
      all.set(`${type}.${label}`, { refs: refsOf(JSON.stringify(body)).filter((r) => r !== `${type}.${label}`) });
    }
  }
  all.set('module.function', { refs: refsOf(JSON.stringify(root?.modules.function?.depends_on ?? [])) });
  return all;
}

describe('terraform ordering', () => {
  it('enables the API of every resource type it creates', () => {
    const apis = planModule(root!, { project_id: 'opsfn-prod-1', estate_config_path: 'x.yaml' }).local(
      'required_apis',
    ) as string[];
    const types = [root, functionModule].flatMap((m) => Object.keys(m?.resources ?? {}));
    const unmapped = types.filter((t) => t !== 'google_project_service' && !(t in API_OF));
    expect(unmapped, 'resource types with no API on record here').toEqual([]);
    const missing = types.flatMap((t) => (API_OF[t] ?? []).filter((api) => !apis.includes(api)));
    expect([...new Set(missing)]).toEqual([]);
  });

  it('makes every resource wait for API enablement, itself or through what it refers to', () => {
    const graph = references();
    const waits = new Map<string, boolean>();
    const check = (id: string, seen: Set<string>): boolean => {
      if (id === ENABLEMENT) return true;
      const cached = waits.get(id);
      if (cached !== undefined) return cached;
      const node = graph.get(id);
      if (!node || seen.has(id)) return false;
      seen.add(id);
      const result = node.refs.some((ref) => check(ref, seen));
      waits.set(id, result);
      return result;
    };
    const loose = [...graph.keys()].filter((id) => !id.startsWith('google_project_service.') && !check(id, new Set()));
    expect(loose, 'resources that may be created before their API is enabled').toEqual([]);
    expect(JSON.stringify(root?.modules.function?.depends_on)).toContain(ENABLEMENT);
  });

  it('creates the Pub/Sub notification channel before granting the Monitoring agent it brings into being', () => {
    // The project's Monitoring notification service agent exists only once the first Pub/Sub channel does
    // (https://cloud.google.com/monitoring/support/notification-options#pubsub).
    const channel = resource(root, 'google_monitoring_notification_channel', 'alerts');
    const grant = resource(root, 'google_pubsub_topic_iam_member', 'monitoring_publisher');
    const policy = resource(root, 'google_monitoring_alert_policy', 'error_rate');
    expect(JSON.stringify(channel)).not.toContain('google_pubsub_topic_iam_member.monitoring_publisher');
    expect(grant.depends_on).toEqual(expect.arrayContaining([hcl('google_monitoring_notification_channel.alerts')]));
    expect(policy.depends_on).toEqual(
      expect.arrayContaining([hcl('google_pubsub_topic_iam_member.monitoring_publisher')]),
    );
  });
});
