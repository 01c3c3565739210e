import type { Endpoint } from '../../core/config/index.js';
import { DependencyError, errorMessage } from '../../core/errors/index.js';
import type { JobExecution, JobRunner, JobTask } from '../../core/run/index.js';

/** A Cloud Run Admin v2 `Execution`, the fields a runner reads (https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.jobs.executions). */
interface Execution {
  name?: string | null;
  completionTime?: string | null;
  succeededCount?: number | null;
  failedCount?: number | null;
  cancelledCount?: number | null;
  conditions?: { type?: string | null; state?: string | null; message?: string | null }[] | null;
}

/**
 * Where an execution stands: finished once its `Completed` condition is terminal (or `completionTime` is
 * set), succeeded when that condition succeeded and no task failed or was cancelled.
 */
export function executionState(execution: Execution): JobExecution {
  const name = execution.name ?? '';
  const completed = execution.conditions?.find((c) => c.type === 'Completed');
  const terminal = completed?.state === 'CONDITION_SUCCEEDED' || completed?.state === 'CONDITION_FAILED';
  if (!terminal && !execution.completionTime) return { name, state: 'running' };
  const failed = (execution.failedCount ?? 0) + (execution.cancelledCount ?? 0) > 0;
  if (completed?.state === 'CONDITION_SUCCEEDED' && !failed) return { name, state: 'succeeded' };
  return { name, state: 'failed', message: completed?.message || 'the execution did not succeed' };
}

/** Options of {@link cloudRunJobs}. */
export interface CloudRunJobsOptions {
  /** The API root (a private endpoint, a fake); Google's by default. */
  endpoint?: Endpoint;
  /** Bound on each API call. */
  timeoutMs?: number;
}

/**
 * Jobs as executions of the Cloud Run Job `job` (`projects/P/locations/L/jobs/J`): `jobs.run` with the task
 * in the container's environment, then `executions.get` (https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.jobs/run).
 * The client, `@googleapis/run`, is loaded on the first call; calls are bounded and not retried.
 */
export function cloudRunJobs(job: string, options: CloudRunJobsOptions = {}): JobRunner {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const client = (async () => {
    const { run, auth } = await import('@googleapis/run');
    const credentials =
      options.endpoint?.credentials === 'none'
        ? undefined
        : new auth.GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
    return run({
      version: 'v2',
      ...(options.endpoint ? { rootUrl: options.endpoint.url } : {}),
      ...(credentials ? { auth: credentials } : {}),
    });
  })();
  const call = async <T>(what: string, send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (cause) {
      const e = cause as { response?: { status?: number; data?: { error?: { message?: string } } } };
      const detail = e.response?.status
        ? `HTTP ${e.response.status}: ${e.response.data?.error?.message ?? ''}`
        : errorMessage(cause);
      throw new DependencyError(`Cloud Run ${what} failed: ${detail}`, { cause });
    }
  };
  const bounded = { timeout: timeoutMs, retry: false } as const;
  return {
    // The job's image is not the function's: it carries the restore clients (terraform/jobs.tf).
    remote: true,
    async start(id: string, task: JobTask): Promise<JobExecution> {
      const api = await client;
      const { data } = await call(`jobs.run ${job}`, () =>
        api.projects.locations.jobs.run(
          {
            name: job,
            requestBody: {
              overrides: {
                taskCount: 1,
                containerOverrides: [
                  {
                    env: [
                      { name: 'OPSFN_JOB_ID', value: id },
                      { name: 'OPSFN_JOB_TASK', value: JSON.stringify(task) },
                    ],
                  },
                ],
              },
            },
          },
          bounded,
        ),
      );
      // The operation's metadata is the Execution it started (RunJob: metadata_type "Execution").
      const name = (data.metadata as Execution | undefined)?.name;
      if (!name) throw new DependencyError(`Cloud Run jobs.run ${job} named no execution`);
      return { name, state: 'running' };
    },
    async get(name: string): Promise<JobExecution> {
      const api = await client;
      const { data } = await call(`executions.get ${name}`, () =>
        api.projects.locations.jobs.executions.get({ name }, bounded),
      );
      return executionState(data as Execution);
    },
  };
}
