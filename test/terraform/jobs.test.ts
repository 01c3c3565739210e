import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hcl, ROOT, resource, root } from './repo-terraform.js';
import { planModule } from './tf-eval.js';

// The restore jobs: from the function's own image and identity, started by that function alone.

const BASE = { project_id: 'opsfn-prod-1', estate_config_path: 'estate.yaml' };
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

  it('runs the job.js of the image built from the function’s bundle, as the function, without retries', () => {
    const container = first(template().containers);
    expect(container.image).toBe(
      hcl('data.google_cloud_run_v2_service.function[each.key].template[0].containers[0].image'),
    );
    expect(container.command).toEqual(['/cnb/lifecycle/launcher']);
    expect(container.args).toEqual(['node', 'job.js']);
    expect(template().service_account).toBe(hcl('module.function[each.key].service_account_email'));
    expect(template().max_retries).toBe(0);
  });

  it('names each function’s own job in its OPSFN_RESTORE_JOB', () => {
    const env = JSON.stringify(root?.modules.function?.environment);
    expect(env).toContain('OPSFN_RESTORE_JOB');
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
});
