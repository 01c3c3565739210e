import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hcl, ROOT, resource, root } from './repo-terraform.js';
import { planModule } from './tf-eval.js';

const VERBS: Record<string, string> = { get: 'get', list: 'list', patch: 'update', create: 'create', delete: 'delete' };

/** The Admin API calls (`collection.verb`) each method of the Google kit's Cloud Run client makes, its own methods followed. */
function kitCalls(): Map<string, string[]> {
  const source = readFileSync(join(ROOT, 'shared', 'adapters', 'google', 'cloud-run.ts'), 'utf8');
  const bodies = new Map<string, string>();
  for (const [, name, body] of source.matchAll(/^ {2}(\w+)\([\s\S]*?\{\n([\s\S]*?)\n {2}\}$/gm)) {
    bodies.set(name ?? '', body ?? '');
  }
  const calls = (name: string, seen: Set<string>): string[] => {
    if (seen.has(name)) return [];
    seen.add(name);
    const body = bodies.get(name) ?? '';
    const direct = [...body.matchAll(/\.projects\.locations\.([a-z.]+)\.(get|list|patch|create|delete)\(/g)].map(
      ([, path, verb]) => `${path?.split('.').at(-1)}.${verb}`,
    );
    return [...direct, ...[...body.matchAll(/this\.(\w+)\(/g)].flatMap(([, own]) => calls(own ?? '', seen))];
  };
  return new Map([...bodies.keys()].map((name) => [name, calls(name, new Set())]));
}

/** The IAM permission of every Cloud Run Admin v2 call the platform adapter makes (`run.<collection>.<verb>`). */
function cloudRunPermissions(): string[] {
  const source = readFileSync(join(ROOT, 'shared', 'adapters', 'platforms', 'cloud-run-platform.ts'), 'utf8');
  const kit = kitCalls();
  const calls = [...source.matchAll(/this\.api\.(\w+)\(/g)].flatMap(([, method]) => kit.get(method ?? '') ?? []);
  return [...new Set(calls.map((call) => `run.${call.split('.')[0]}.${VERBS[call.split('.')[1] ?? '']}`))].sort();
}

const BASE = { project_id: 'opsfn-prod-1', estate_config_path: 'estate.yaml' };

describe('terraform IAM against what the code calls', () => {
  it('gives rollback and autoscale exactly the Cloud Run permissions their adapter uses, no predefined role', () => {
    const perService = resource(root, 'google_project_iam_custom_role', 'run_change');
    const perProject = resource(root, 'google_project_iam_custom_role', 'run_operations');
    const granted = [...(perService.permissions as string[]), ...(perProject.permissions as string[])].sort();
    expect(cloudRunPermissions()).toEqual([
      'run.operations.get',
      'run.revisions.list',
      'run.services.get',
      'run.services.update',
    ]);
    expect(granted).toEqual(cloudRunPermissions());
    // Operations are children of the location, not of a service: only a project-level grant reaches them.
    expect(perProject.permissions).toEqual(['run.operations.get']);
    expect(resource(root, 'google_cloud_run_v2_service_iam_member', 'run_change').role).toBe(
      hcl('google_project_iam_custom_role.run_change[0].id'),
    );
    expect(resource(root, 'google_project_iam_member', 'run_operations').role).toBe(
      hcl('google_project_iam_custom_role.run_operations[0].id'),
    );
    expect(root?.text).not.toContain('roles/run.developer"\n  member   = each.value.member');
    expect(root?.resources.google_cloud_run_v2_service_iam_member?.developer).toBeUndefined();
  });

  it('lets the drill label its clones and confirm a deletion by listing', () => {
    const scratch = resource(root, 'google_project_iam_custom_role', 'drill_scratch').permissions as string[];
    expect(scratch).toEqual(expect.arrayContaining(['cloudsql.instances.update', 'cloudsql.instances.create']));
    const source = resource(root, 'google_project_iam_custom_role', 'drill_source').permissions as string[];
    expect(source).toEqual(expect.arrayContaining(['cloudsql.instances.list', 'cloudsql.instances.clone']));
  });

  it('gives the drill what run.deploy calls: the source service and revision, its operations, the listing', () => {
    // functions/dr-drill/adapters/cloud-run.ts: getService and getRevision on production (currentImage), create,
    // operations.get and delete on its copy, services.list for the janitor.
    const source = resource(root, 'google_project_iam_custom_role', 'drill_run_source');
    expect(source.permissions).toEqual(['run.revisions.get', 'run.services.get']);
    expect(resource(root, 'google_cloud_run_v2_service_iam_member', 'drill_run_source').for_each).toBe(
      hcl('local.has_drill && var.dr_region != null ? var.run_targets : {}'),
    );
    const project = resource(root, 'google_project_iam_custom_role', 'drill_run_project');
    expect(project.permissions).toEqual(['run.operations.get', 'run.services.list']);
    expect(resource(root, 'google_project_iam_member', 'drill_run_project').member).toBe(hcl('local.sa["drDrill"]'));
    // Its copies run as the account it may act as, which functions.tf hands it.
    expect(root?.text).toContain('OPSFN_DR_SERVICE_ACCOUNT = var.dr_runtime_service_account');
  });

  it('lets the drill read the dumps db.restoreDump restores, in the buckets backupVerify reads', () => {
    const reader = resource(root, 'google_storage_bucket_iam_member', 'drill_backup_reader');
    expect(reader).toMatchObject({ role: 'roles/storage.objectViewer', member: hcl('local.sa["drDrill"]') });
    expect(reader.for_each).toBe(hcl('toset(local.has_drill ? var.backup_buckets : [])'));
  });

  it('builds the functions with a build service account of their own unless one is given', () => {
    // Cloud Functions builds as a custom account: https://cloud.google.com/functions/docs/securing/build-custom-sa
    expect(resource(root, 'google_service_account', 'build').count).toBe(
      hcl('var.build_service_account == null ? 1 : 0'),
    );
    const roles = plan().attribute(resource(root, 'google_project_iam_member', 'build').for_each);
    expect(roles).toEqual(['roles/artifactregistry.writer', 'roles/logging.logWriter']);
    const given = 'projects/p/serviceAccounts/b@p.iam.gserviceaccount.com';
    expect(
      plan({ build_service_account: given }).attribute(resource(root, 'google_project_iam_member', 'build').for_each),
    ).toEqual([]);
    expect(resource(root, 'google_storage_bucket_iam_member', 'build_source_reader').role).toBe(
      'roles/storage.objectViewer',
    );
    expect(root?.modules.function?.build_service_account).toBe(hcl('local.build_service_account'));
    expect(plan({ build_service_account: given }).local('build_service_account')).toBe(given);
  });
});

const plan = (vars: Record<string, unknown> = {}) => planModule(root!, { ...BASE, ...vars });

describe('terraform state store', () => {
  it('encrypts Memorystore traffic and hands the functions a rediss:// URL and the server CA', () => {
    const redis = resource(root, 'google_redis_instance', 'state');
    expect(redis.transit_encryption_mode).toBe('SERVER_AUTHENTICATION');
    expect(String(root?.locals.redis_url)).toMatch(
      /memorystore" \? "rediss:\/\/:\$\{google_redis_instance\.state\[0\]\.auth_string\}@/,
    );
    const rollback = (plan().local('functions') as Record<string, unknown>).rollback;
    const env = plan().attribute(root?.modules.function?.environment, { key: 'rollback', value: rollback });
    expect(env).toBeTypeOf('object');
    expect(Object.keys(env as object)).toContain('OPSFN_REDIS_CA');
    expect(JSON.stringify(root?.locals.redis_ca)).toContain('server_ca_certs');
  });
});

describe('terraform caller tokens', () => {
  const callers = {
    alertmanager: { secret: 'opsfn-token-alertmanager', functions: ['rollback', 'autoscale'] },
    'drill-approver': { secret: 'opsfn-token-drill-approver', functions: ['drDrill'] },
  };
  const secretEnv = (vars: Record<string, unknown>, fn: string) =>
    plan(vars).attribute(root?.modules.function?.secret_environment, { key: fn, value: {} }) as Record<string, string>;

  it('gives each caller its own secret as OPSFN_TOKEN_<NAME>, beside the full-access OPSFN_TOKEN', () => {
    expect(plan({ caller_tokens: callers }).rejects('caller_tokens')).toEqual([]);
    const env = secretEnv({ caller_tokens: callers }, 'rollback');
    expect(env).toMatchObject({
      OPSFN_TOKEN: 'opsfn-token',
      OPSFN_TOKEN_ALERTMANAGER: 'opsfn-token-alertmanager',
      OPSFN_TOKEN_DRILL_APPROVER: 'opsfn-token-drill-approver',
    });
    expect(secretEnv({ caller_tokens: callers, token_secret: null }, 'drDrill')).not.toHaveProperty('OPSFN_TOKEN');
  });

  it.each([
    [{ Alertmanager: { secret: 's', functions: ['rollback'] } }],
    [{ alertmanager: { secret: 'projects/p/secrets/s', functions: ['rollback'] } }],
    [{ alertmanager: { secret: 's', functions: ['rollbackk'] } }],
    [{ alertmanager: { secret: 's', functions: [] } }],
  ])('refuses %o', (caller_tokens) => {
    expect(plan({ caller_tokens }).rejects('caller_tokens')).toHaveLength(1);
  });
});
