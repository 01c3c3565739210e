import type { CliIo } from '../../shared/host/cli/io.js';

/** A CLI io that captures stdout and stderr. */
export function captureIo(
  env: NodeJS.ProcessEnv = {},
  stdin = '',
): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    tty: false,
    env,
    stdin: async () => Buffer.from(stdin),
    stdout: () => out,
    stderr: () => err,
  };
}
