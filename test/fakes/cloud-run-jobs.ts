import { randomBytes } from 'node:crypto';
import { type FakeReply, googleError, type RecordedRequest, RecordingServer } from './recording-server.js';

/** What the fake runs for one execution, as Cloud Run runs the job's container: its env in, its exit code out. */
export type FakeContainer = (env: Record<string, string>) => Promise<number>;

interface FakeExecution {
  name: string;
  job: string;
  createTime: string;
  startTime?: string;
  completionTime?: string;
  taskCount: number;
  runningCount: number;
  succeededCount: number;
  failedCount: number;
  cancelledCount: number;
  conditions: { type: string; state: string; message?: string; executionReason?: string; lastTransitionTime: string }[];
}

const EXECUTION_TYPE = 'type.googleapis.com/google.cloud.run.v2.Execution';

/**
 * A Cloud Run Admin v2 fake of Jobs: `jobs.run` (with `overrides`) answers a long-running operation whose
 * metadata is the new Execution; `executions.get` reports it with its counts and `Completed` condition. Each
 * execution runs `container` with the job's env plus the overrides, as Cloud Run runs the job's image
 * (test/fakes/README.md).
 */
export class FakeCloudRunJobs {
  readonly server = new RecordingServer((r) => this.route(r));
  readonly executions = new Map<string, FakeExecution>();
  private readonly jobs = new Map<string, { env: Record<string, string>; container: FakeContainer }>();
  private nextOp = 1;

  start(): Promise<string> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Adds the job `projects/P/locations/L/jobs/J`, whose template sets `env`. */
  addJob(name: string, container: FakeContainer, env: Record<string, string> = {}): void {
    this.jobs.set(name, { env, container });
  }

  private route(r: RecordedRequest): FakeReply {
    const path = r.path.replace(/^\/v2\//, '');
    const run = /^(projects\/[^/]+\/locations\/[^/]+\/jobs\/[^/:]+):run$/.exec(path);
    if (r.method === 'POST' && run?.[1]) return this.run(run[1], r.body);
    if (r.method === 'GET') {
      const execution = this.executions.get(path);
      if (execution) return { status: 200, body: execution };
      return googleError(404, 'NOT_FOUND', `Resource '${path.split('/').at(-1)}' of kind 'EXECUTION' does not exist.`);
    }
    return googleError(404, 'NOT_FOUND', `no route ${r.method} ${r.path}`);
  }

  private run(jobName: string, body: unknown): FakeReply {
    const job = this.jobs.get(jobName);
    const [project, , location, , short] = jobName.split('/').slice(1);
    if (!job) {
      return googleError(
        404,
        'NOT_FOUND',
        `Resource '${short}' of kind 'JOB' in region '${location}' in project '${project}' does not exist.`,
      );
    }
    const overrides = (body as { overrides?: RunOverrides } | undefined)?.overrides ?? {};
    const problem = checkOverrides(overrides);
    if (problem) return googleError(400, 'INVALID_ARGUMENT', problem);
    const env = { ...job.env };
    for (const e of overrides.containerOverrides?.[0]?.env ?? []) env[e.name] = e.value ?? '';
    const now = new Date().toISOString();
    const name = `${jobName}/executions/${short}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    const execution: FakeExecution = {
      name,
      job: String(short),
      createTime: now,
      startTime: now,
      taskCount: overrides.taskCount ?? 1,
      runningCount: 1,
      succeededCount: 0,
      failedCount: 0,
      cancelledCount: 0,
      conditions: [
        { type: 'ResourcesAvailable', state: 'CONDITION_SUCCEEDED', lastTransitionTime: now },
        { type: 'Started', state: 'CONDITION_SUCCEEDED', lastTransitionTime: now },
        { type: 'Completed', state: 'CONDITION_PENDING', lastTransitionTime: now },
      ],
    };
    this.executions.set(name, execution);
    void job.container(env).then(
      (code) => this.finish(execution, code),
      () => this.finish(execution, 1),
    );
    const operation = `projects/${project}/locations/${location}/operations/${this.nextOp++}`;
    return { status: 200, body: { name: operation, metadata: { '@type': EXECUTION_TYPE, ...execution }, done: false } };
  }

  private finish(execution: FakeExecution, code: number): void {
    const at = new Date().toISOString();
    const ok = code === 0;
    execution.completionTime = at;
    execution.runningCount = 0;
    execution.succeededCount = ok ? execution.taskCount : 0;
    execution.failedCount = ok ? 0 : 1;
    execution.conditions = execution.conditions.map((c) =>
      c.type !== 'Completed'
        ? c
        : ok
          ? {
              type: 'Completed',
              state: 'CONDITION_SUCCEEDED',
              message: 'Execution completed successfully.',
              lastTransitionTime: at,
            }
          : {
              type: 'Completed',
              state: 'CONDITION_FAILED',
              executionReason: 'NON_ZERO_EXIT_CODE',
              message: `Task ${execution.name.split('/').at(-1)}-task0 failed with message: The container exited with an exit code of ${code}.`,
              lastTransitionTime: at,
            },
    );
  }
}

interface RunOverrides {
  containerOverrides?: { name?: string; args?: string[]; env?: { name: string; value?: string }[] }[];
  taskCount?: number;
  timeout?: string;
}

/** What the API refuses in `overrides` (400 INVALID_ARGUMENT). */
function checkOverrides(overrides: RunOverrides): string | undefined {
  if (overrides.taskCount !== undefined && (!Number.isInteger(overrides.taskCount) || overrides.taskCount < 1)) {
    return 'overrides.task_count must be a positive integer';
  }
  if (overrides.timeout !== undefined && !/^\d+(\.\d+)?s$/.test(overrides.timeout)) {
    return 'overrides.timeout must be a duration in seconds like "3600s"';
  }
  for (const container of overrides.containerOverrides ?? []) {
    for (const e of container.env ?? []) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.name ?? '')) return `invalid environment variable name "${e.name}"`;
    }
  }
  return undefined;
}
