import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateAttribute, isUnknown } from './hcl-eval.js';
import { type HclBody, stringLeaves, type TerraformModule } from './load-terraform.js';
import { functionModule, hcl, modules, ROOT, resource, root } from './repo-terraform.js';
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
    expect(roles).toEqual(['roles/logging.logWriter']);
    const given = 'projects/p/serviceAccounts/b@p.iam.gserviceaccount.com';
    expect(
      plan({ build_service_account: given }).attribute(resource(root, 'google_project_iam_member', 'build').for_each),
    ).toEqual([]);
    const reader = resource(root, 'google_storage_bucket_iam_member', 'build_source_reader');
    expect(reader).toMatchObject({ role: 'roles/storage.objectViewer', member: hcl('local.build_member') });
    expect(reader.bucket).toBe(hcl('google_storage_bucket.sources.name'));
    expect(root?.modules.function?.build_service_account).toBe(hcl('local.build_service_account'));
    expect(plan({ build_service_account: given }).local('build_service_account')).toBe(given);
  });

  it('keeps the newest images of each function and deletes the rest after function_image_max_age_days', () => {
    const repository = resource(root, 'google_artifact_registry_repository', 'functions');
    expect(repository.cleanup_policy_dry_run).toBe(false);
    // A keep policy wins over a delete policy matching the same version, so the serving image is never deleted.
    expect(repository.cleanup_policies).toEqual([
      { id: 'keep-newest', action: 'KEEP', most_recent_versions: [{ keep_count: hcl('var.function_image_keep') }] },
      {
        id: 'delete-old',
        action: 'DELETE',
        condition: [{ older_than: `\${var.function_image_max_age_days * 86400}s` }],
      },
    ]);
  });

  it('lets the build account write images to opsfn’s own repository only, never project-wide', () => {
    // https://cloud.google.com/functions/docs/building#image_registry: build_config.docker_repository, a DOCKER
    // repository of the function's own project and region.
    const repository = resource(root, 'google_artifact_registry_repository', 'functions');
    expect(repository).toMatchObject({ format: 'DOCKER', location: hcl('var.region'), project: hcl('var.project_id') });
    expect(repository.depends_on).toEqual(expect.arrayContaining([hcl('google_project_service.apis')]));
    const writer = resource(root, 'google_artifact_registry_repository_iam_member', 'build_writer');
    expect(writer).toMatchObject({
      role: 'roles/artifactregistry.writer',
      repository: hcl('google_artifact_registry_repository.functions.name'),
      location: hcl('google_artifact_registry_repository.functions.location'),
      member: hcl('local.build_member'),
    });
    // Every function pushes there, and is built only once the grant exists.
    const call = root?.modules.function;
    expect(call?.docker_repository).toBe(hcl('google_artifact_registry_repository.functions.id'));
    expect(call?.depends_on).toEqual(
      expect.arrayContaining([hcl('google_artifact_registry_repository_iam_member.build_writer')]),
    );
    const fn = resource(functionModule, 'google_cloudfunctions2_function', 'function');
    expect((fn.build_config as HclBody[])[0]?.docker_repository).toBe(hcl('var.docker_repository'));
    // No Artifact Registry role on the whole project, for opsfn-build or for an account given in its place.
    const given = 'projects/p/serviceAccounts/b@p.iam.gserviceaccount.com';
    const projectRoles = (m: TerraformModule | undefined, p: ReturnType<typeof planModule>) =>
      Object.values(m?.resources.google_project_iam_member ?? {}).flatMap((grant) =>
        grant.role === hcl('each.value') ? [p.attribute(grant.for_each)].flat().map(String) : [String(grant.role)],
      );
    for (const vars of [{}, { build_service_account: given }]) {
      const roles = [
        ...projectRoles(root, plan(vars)),
        ...projectRoles(functionModule, planModule(functionModule!, {})),
      ];
      expect(roles).toContain('roles/logging.logWriter');
      expect(roles.filter((role) => role.includes('artifactregistry'))).toEqual([]);
    }
    const registryRoles = modules.flatMap((m) =>
      stringLeaves(m.parsed).filter((leaf) => leaf.path.at(-1) === 'role' && leaf.value.includes('artifactregistry')),
    );
    expect(registryRoles.map((leaf) => leaf.path.slice(0, 4).join('.'))).toEqual([
      'iam-build.tf.resource.google_artifact_registry_repository_iam_member.build_writer',
    ]);
    // Whichever account builds gets the repository and the sources bucket; the member is the id's email.
    expect(plan({ build_service_account: given }).local('build_member')).toBe(
      'serviceAccount:b@p.iam.gserviceaccount.com',
    );
    expect(isUnknown(plan().local('build_member'))).toBe(true);
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

  const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  /** The error messages of the Redis URL version's preconditions that a plan with these inputs fails. */
  const redisRefusals = (vars: Record<string, unknown>) => {
    const p = plan(vars);
    const lifecycle = resource(root, 'google_secret_manager_secret_version', 'redis_url').lifecycle as HclBody[];
    const checks = (lifecycle[0]?.precondition ?? []) as { condition: string; error_message: string }[];
    return checks.filter((c) => p.attribute(c.condition) !== true).map((c) => c.error_message);
  };

  it.each([
    ['redis://r:6379', 'a CA', CA, 1],
    ['redis://:pw@r:6379/2', 'a CA', CA, 1],
    ['rediss://r:6378', 'a CA', CA, 0],
    ['redis://r:6379', 'no CA', null, 0],
    ['rediss://r:6378', 'no CA', null, 0],
  ])(
    'with redis_mode url, judges %s with %s at plan time as the functions do when they start',
    (redis_url, _, redis_ca, refusals) => {
      const vars = { redis_mode: 'url', redis_url, redis_ca };
      // Each variable alone is valid: only the two together are refused.
      expect(plan(vars).rejects('redis_url')).toEqual([]);
      expect(plan(vars).rejects('redis_ca')).toEqual([]);
      const refused = redisRefusals(vars);
      expect(refused).toHaveLength(refusals);
      if (refusals > 0) expect(refused[0]).toMatch(/redis_ca is set but redis_url is not a rediss:\/\/ URL/);
    },
  );

  it('leaves a missing redis_url, and Memorystore’s own CA, to the checks that concern them', () => {
    expect(redisRefusals({ redis_mode: 'url', redis_url: null, redis_ca: CA })).toEqual([
      'redis_mode = "url" needs redis_url.',
    ]);
    expect(redisRefusals({ redis_mode: 'memorystore', redis_ca: CA })).toEqual([]);
  });

  it('pins the functions to the Redis URL version Terraform wrote, so a new URL is a new revision', () => {
    // The secret OPSFN_REDIS_URL names, keyed by its id in the versions the module pins.
    expect(plan().local('redis_url_secret_id')).toBe('opsfn-redis-url');
    expect(resource(root, 'google_secret_manager_secret', 'redis_url').secret_id).toBe(
      hcl('local.redis_url_secret_id'),
    );
    const call = root?.modules.function;
    expect(call?.secret_versions).toBe(hcl('local.pinned_secret_versions'));
    for (const redis_mode of ['memorystore', 'url']) {
      const pinned = plan({ redis_mode, redis_url: 'rediss://r:6379' }).local('pinned_secret_versions') as Record<
        string,
        unknown
      >;
      expect(Object.keys(pinned)).toEqual(['opsfn-redis-url']);
      // The version resource's own number, known once it is written.
      expect(isUnknown(pinned['opsfn-redis-url'])).toBe(true);
    }
    expect(String(root?.locals.pinned_secret_versions)).toContain(
      'google_secret_manager_secret_version.redis_url[0].version',
    );
    expect(plan({ redis_mode: 'none' }).local('pinned_secret_versions')).toEqual({});

    // The module reads a pinned secret at its version and every other one (tokens made outside Terraform) at latest.
    const fn = resource(functionModule, 'google_cloudfunctions2_function', 'function');
    const first = (value: unknown): HclBody => ((value as HclBody[] | undefined) ?? [])[0] ?? {};
    const dynamic = (first(fn.service_config).dynamic ?? {}) as HclBody;
    const version = first(first(dynamic.secret_environment_variables).content).version;
    const module = planModule(functionModule!, { secret_versions: { 'opsfn-redis-url': '7' } });
    const versionOf = (key: string, secret: string) =>
      evaluateAttribute(
        version,
        (n) =>
          n === 'secret_environment_variables'
            ? { key, value: secret }
            : n === 'var'
              ? { secret_versions: module.variable('secret_versions') }
              : expect.fail(n),
        functionModule!.dir,
      );
    expect(versionOf('OPSFN_REDIS_URL', 'opsfn-redis-url')).toBe('7');
    expect(versionOf('OPSFN_TOKEN', 'opsfn-token')).toBe('latest');
    expect(functionModule?.variables.secret_versions?.default).toEqual({});
    expect(planModule(functionModule!, { secret_versions: { s: 'latest' } }).rejects('secret_versions')).toEqual([]);
    expect(planModule(functionModule!, { secret_versions: { s: 'v1' } }).rejects('secret_versions')).toHaveLength(1);
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
