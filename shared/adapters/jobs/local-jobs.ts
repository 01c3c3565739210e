import { type ChildProcess, spawn } from 'node:child_process';
import type { JobExecution, JobResult, JobRunner, JobTask } from '../../core/run/index.js';

/** Options of {@link localJobs}. */
export interface LocalJobsOptions {
  /** The job process's entry module (`functions/job.ts` from sources, `dist/functions/job.js` when built). */
  entry: string;
  /** The environment the job starts with, besides its task; the process's own by default. */
  env?: NodeJS.ProcessEnv;
  /** How long a job process may take to stop after SIGTERM when this process closes; 5 s by default. */
  stopGraceMs?: number;
}

/**
 * Jobs as child processes of this one: what a Cloud Run Job execution is when opsfn runs on one machine
 * (`opsfn serve`, `opsfn invoke` with `OPSFN_RESTORE_JOB=local`). The same entry runs, with the same
 * config and state store; its log lines go to this process's stderr, never to a `--json` stdout.
 * An execution is known to the process that started it only: one left by an earlier process reads as failed.
 */
export function localJobs(options: LocalJobsOptions): JobRunner {
  const executions = new Map<string, JobExecution>();
  const children = new Set<ChildProcess>();
  return {
    // A child of this process: the same PATH, so the same restore clients.
    remote: false,
    async start(id: string, task: JobTask): Promise<JobExecution> {
      const name = `local:${id}`;
      const args = options.entry.endsWith('.ts') ? ['--import', 'tsx', options.entry] : [options.entry];
      // The result comes back on fd 3 as well as into state: a memory state store is not shared with the child.
      const child = spawn(process.execPath, args, {
        env: {
          ...(options.env ?? process.env),
          OPSFN_JOB_ID: id,
          OPSFN_JOB_TASK: JSON.stringify(task),
          OPSFN_JOB_RESULT_FD: '3',
        },
        stdio: ['ignore', 2, 2, 'pipe'],
      });
      children.add(child);
      child.once('close', () => children.delete(child));
      const running: JobExecution = { name, state: 'running' };
      executions.set(name, running);
      let reported = '';
      child.stdio[3]?.on('data', (chunk: Buffer) => {
        if (reported.length < 1_000_000) reported += chunk.toString('utf8');
      });
      child.once('error', (error) => executions.set(name, { name, state: 'failed', message: error.message }));
      child.once('close', (code, signal) => {
        const ok = code === 0;
        const result = parseResult(reported);
        executions.set(name, {
          name,
          state: ok ? 'succeeded' : 'failed',
          ...(ok ? {} : { message: `the job process ended with ${signal ?? `exit code ${code}`}` }),
          ...(result ? { result } : {}),
        });
      });
      return running;
    },
    async close(): Promise<void> {
      const running = [...children].filter((child) => child.exitCode === null && child.signalCode === null);
      await Promise.all(
        running.map(
          (child) =>
            new Promise<void>((done) => {
              const kill = setTimeout(() => child.kill('SIGKILL'), options.stopGraceMs ?? 5_000);
              child.once('close', () => {
                clearTimeout(kill);
                done();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
    },
    async get(name: string): Promise<JobExecution> {
      return (
        executions.get(name) ?? {
          name,
          state: 'failed',
          message: 'no such job in this process: a local job ends with the process that started it',
        }
      );
    },
  };
}

function parseResult(text: string): JobResult | undefined {
  try {
    const value = JSON.parse(text) as Partial<JobResult>;
    if ((value.status === 'ok' || value.status === 'fail') && typeof value.detail === 'string')
      return value as JobResult;
  } catch {
    // No result (the process died first): the execution's state says what happened.
  }
  return undefined;
}
