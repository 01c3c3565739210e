import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cloudRunJobs } from '../../adapters/google/index.js';
import { localJobs } from '../../adapters/jobs/index.js';
import type { Estate } from '../../core/config/index.js';
import { BadInputError } from '../../core/errors/index.js';
import type { JobRunner } from '../../core/run/index.js';
import { packageRoot } from './package-root.js';

const JOB_NAME = /^projects\/[^/]+\/locations\/[^/]+\/jobs\/[^/]+$/;

/** The job process's entry in this checkout: the sources under tsx, else the build. */
export function jobEntry(from: string = import.meta.url): string {
  const root = packageRoot(from);
  const built = join(root, 'dist', 'functions', 'job.js');
  return from.endsWith('.ts') || !existsSync(built) ? join(root, 'functions', 'job.ts') : built;
}

/**
 * The job runner `OPSFN_RESTORE_JOB` names: a Cloud Run Job (`projects/P/locations/L/jobs/J`, which
 * Terraform sets on deployed functions), `local` for child processes of this one, or none when unset
 * (long work then runs inside the invocation, bounded by `limits.timeout`).
 */
export function jobsFromEnv(env: NodeJS.ProcessEnv, config: Estate): JobRunner | undefined {
  const job = env.OPSFN_RESTORE_JOB?.trim();
  if (!job) return undefined;
  if (job === 'local') return localJobs({ entry: jobEntry(), env });
  if (!JOB_NAME.test(job)) {
    throw new BadInputError(`OPSFN_RESTORE_JOB must be "local" or projects/P/locations/L/jobs/J, got "${job}"`);
  }
  return cloudRunJobs(job, config.endpoints.run ? { endpoint: config.endpoints.run } : {});
}
