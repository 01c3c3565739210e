import { execFile } from 'node:child_process';
import { DependencyError } from '../../core/errors/index.js';
import { PlatformOperationError, PlatformTimeoutError } from './errors.js';

/** One compose CLI call: the program and its arguments, and the variables set for it. */
export interface ComposeCall {
  argv: string[];
  /** Variables set for this call only (`DOCKER_HOST`, an image variable such as `APP_VERSION`). */
  env: Record<string, string>;
}

/** Options of {@link runCompose}. */
export interface RunComposeOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The call as a shell line, for dry-run output and the audit trail: `APP_VERSION=v1 docker compose -p … up …`. */
export function showCall(call: ComposeCall, shown: readonly string[] = []): string {
  const quote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);
  const vars = shown.filter((k) => call.env[k] !== undefined).map((k) => `${k}=${quote(call.env[k] as string)}`);
  return [...vars, ...call.argv.map(quote)].join(' ');
}

/**
 * Runs a compose command and returns its output. A non-zero exit is a {@link PlatformOperationError} carrying
 * the tail of stderr; a command still running at the deadline is killed and reported as a timeout.
 */
export function runCompose(call: ComposeCall, options: RunComposeOptions): Promise<{ stdout: string; stderr: string }> {
  const [program, ...args] = call.argv;
  if (!program) throw new PlatformOperationError('empty compose command');
  return new Promise((resolve, reject) => {
    execFile(
      program,
      args,
      {
        env: { ...process.env, ...call.env },
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 4 * 1024 * 1024,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const tail = stderr.trim().split('\n').slice(-5).join(' | ').slice(0, 600);
        const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
        if (e.code === 'ENOENT') {
          return reject(new DependencyError(`compose command not found: ${program} (set the service's "command")`));
        }
        if (e.killed || e.name === 'AbortError') {
          return reject(
            new PlatformTimeoutError(
              `${showCall(call)} did not finish within ${Math.round(options.timeoutMs / 1000)}s and was stopped; the service may be partly changed`,
              { stderr: tail },
            ),
          );
        }
        reject(new PlatformOperationError(`${showCall(call)} failed (exit ${e.code}): ${tail}`, { stderr: tail }));
      },
    );
  });
}

/**
 * The compose CLI this machine has: the v2 plugin (`docker compose`) when `docker compose version` answers,
 * else the v1 `docker-compose`; an error naming both when neither does.
 */
export async function detectComposeCommand(timeoutMs = 10_000): Promise<string[]> {
  for (const argv of [['docker', 'compose'], ['docker-compose']]) {
    try {
      await runCompose({ argv: [...argv, 'version'], env: {} }, { timeoutMs });
      return argv;
    } catch {
      // Not this one; try the next.
    }
  }
  throw new DependencyError(
    'no compose CLI found: neither "docker compose" (v2 plugin) nor "docker-compose" (v1) answers; set the service\'s "command"',
  );
}
