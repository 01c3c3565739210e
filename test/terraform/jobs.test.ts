import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateAttribute, isUnknown } from './hcl-eval.js';
import { hcl, ROOT, resource, root } from './repo-terraform.js';
import { planModule } from './tf-eval.js';

// The restore jobs: opsfn's image with the restore clients, the function's identity, started by that function alone.

const IMAGE = 'europe-docker.pkg.dev/opsfn-prod-1/opsfn/opsfn:1.2.3';
const BASE = { project_id: 'opsfn-prod-1', estate_config_path: 'estate.yaml', restore_job_image: IMAGE };
const plan = (vars: Record<string, unknown> = {}) => planModule(root!, { ...BASE, ...vars });
const job = () => resource(root, 'google_cloud_run_v2_job', 'restore');
type Body = Record<string, unknown>;
const first = (value: unknown): Body => ((value as Body[] | undefined) ?? [])[0] ?? {};
const template = () => first(first(job().template).template);
const FOLDER = '$' + '{each.value.folder}';

/** The Cloud Run Admin v2 calls the jobs runner makes, as IAM permissions. */
function jobPermissions(): string[] {
  const source = readFileSync(join(ROOT, 'shared', 'adapters', 'google', 'cloud-run-jobs.ts'), 'utf8');
  const calls = [...source.matchAll(/api\.projects\.locations\.([a-z.]+)\.(get|run)\(/g)];
  const overrides = source.includes('overrides:') ? ['run.jobs.runWithOverrides'] : [];
  return [
    ...new Set([...calls.map(([, path, verb]) => `run.${path?.split('.').at(-1)}.${verb}`), ...overrides]),
  ].sort();
}

describe('terraform restore jobs', () => {
  it('defines one job per function that restores, and none for a disabled one', () => {
    expect(Object.keys(plan().attribute(job().for_each) as object).sort()).toEqual(['backupVerify', 'drDrill']);
    const without = plan({ functions: { drDrill: { enabled: false } } }).attribute(job().for_each) as object;
    expect(Object.keys(without)).toEqual(['backupVerify']);
  });

  it('defines none, and names none to the functions, without an image that carries the restore clients', () => {
    const without = plan({ restore_job_image: null });
    expect(without.attribute(job().for_each)).toEqual({});
    expect(without.attribute(hcl('local.restore_jobs'))).toEqual({});
  });

  it('gives a job the state store and its function’s own secrets, never the bearer tokens', () => {
    const vars = {
      token_secret: 'opsfn-token',
      caller_tokens: { alertmanager: { secret: 'opsfn-token-alertmanager', functions: ['rollback'] } },
      function_secrets: { backupVerify: { BACKUP_S3_KEY: 'backup-s3-key' } },
    };
    const env = plan(vars).attribute(hcl('local.job_secret_environment')) as Record<string, Record<string, string>>;
    expect(Object.keys(env.backupVerify ?? {}).sort()).toEqual(['BACKUP_S3_KEY', 'OPSFN_REDIS_URL']);
    expect(Object.keys(env.drDrill ?? {})).toEqual(['OPSFN_REDIS_URL']);
    expect(JSON.stringify(job())).not.toContain('base_secret_environment');
  });

  it('reads the Redis URL at the version Terraform wrote, so a new URL is a new job template, and the rest at latest', () => {
    const dynamic = first(template().containers).dynamic as Body;
    const secretEnv = (dynamic.env as Body[]).find((block) => JSON.stringify(block).includes('secret_key_ref'));
    const ref = first(first(first(secretEnv?.content).value_source).secret_key_ref);
    expect(ref.secret).toBe(hcl('env.value'));
    const p = plan();
    // OPSFN_REDIS_URL names the secret opsfn-redis-url (google_secret_manager_secret.redis_url).
    expect(String(root?.locals.job_secret_environment)).toContain(
      'OPSFN_REDIS_URL = google_secret_manager_secret.redis_url[0].secret_id',
    );
    const versionOf = (secret: string) =>
      evaluateAttribute(
        ref.version,
        (n) =>
          n === 'env'
            ? { key: '', value: secret }
            : n === 'local'
              ? { pinned_secret_versions: p.local('pinned_secret_versions') }
              : expect.fail(`${n} in a job's secret version`),
        root!.dir,
      );
    // google_secret_manager_secret_version.redis_url[0].version: the number of the version Terraform wrote.
    expect(isUnknown(versionOf(String(p.local('redis_url_secret_id'))))).toBe(true);
    expect(versionOf('backup-s3-key')).toBe('latest');
  });

  it('is created after its account may read its secrets and the Redis URL has a version', () => {
    expect(job().depends_on).toEqual(
      expect.arrayContaining([hcl('module.function'), hcl('google_secret_manager_secret_version.redis_url')]),
    );
  });

  it('runs the job entry of the image deploy/docker builds, as the function, without retries', () => {
    const container = first(template().containers);
    expect(container.image).toBe(hcl('var.restore_job_image'));
    expect(container.command).toEqual(['node']);
    // The runtime stage's WORKDIR and the compiled entry of functions/job.ts.
    const dockerfile = readFileSync(join(ROOT, 'deploy', 'docker', 'Dockerfile'), 'utf8');
    const workdir = /FROM \S+ AS runtime\n(?:.*\n)*?WORKDIR (\S+)/.exec(dockerfile)?.[1];
    expect(container.args).toEqual([`${workdir}/dist/functions/job.js`]);
    expect(template().service_account).toBe(hcl('module.function[each.key].service_account_email'));
    expect(template().max_retries).toBe(0);
  });

  it('names each function’s own job in its OPSFN_RESTORE_JOB, when it has one', () => {
    const env = JSON.stringify(root?.modules.function?.environment);
    expect(env).toContain('contains(keys(local.restore_jobs), each.key) ? { OPSFN_RESTORE_JOB');
    expect(env).toContain(`jobs/opsfn-restore-${FOLDER}`);
    expect(job().name).toBe(`opsfn-restore-${FOLDER}`);
  });

  it('grants exactly the permissions the runner’s calls need, on the job', () => {
    expect(jobPermissions()).toEqual(['run.executions.get', 'run.jobs.run', 'run.jobs.runWithOverrides']);
    expect(resource(root, 'google_project_iam_custom_role', 'restore_job').permissions).toEqual(jobPermissions());
    expect(resource(root, 'google_cloud_run_v2_job_iam_member', 'restore').member).toBe(
      hcl('module.function[each.key].service_account_member'),
    );
  });

  it.each([
    [599, 1],
    [600, 0],
    [86_400, 0],
    [86_401, 1],
  ])('checks the task timeout %i', (seconds, rejections) => {
    expect(plan({ restore_job_timeout_seconds: seconds }).rejects('restore_job_timeout_seconds')).toHaveLength(
      rejections,
    );
  });

  it.each([
    [IMAGE, 0],
    [`europe-docker.pkg.dev/p/r/opsfn@sha256:${'a'.repeat(64)}`, 0],
    ['opsfn', 1],
    ['europe-docker.pkg.dev/p/r/opsfn', 1],
  ])('checks the image reference %s', (image, rejections) => {
    expect(plan({ restore_job_image: image }).rejects('restore_job_image')).toHaveLength(rejections);
  });
});
