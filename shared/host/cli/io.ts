import { resolve } from 'node:path';

/** Where the CLI writes: stdout for results, stderr for logs and progress. Injected so tests capture both. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal, so progress may redraw one line. */
  tty: boolean;
  env: NodeJS.ProcessEnv;
  stdin: () => Promise<Buffer>;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The process's own streams. */
export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    tty: process.stderr.isTTY === true,
    env: process.env,
    stdin: readStdin,
  };
}

/** A progress reporter: one redrawn line on a terminal, plain lines otherwise. */
export function progressPrinter(io: CliIo): (text: string) => void {
  return (text) => {
    if (io.tty) io.err(`\r\x1b[2K${text}`);
    else io.err(`${text}\n`);
  };
}

/** The environment with `OPSFN_CONFIG` set to the estate `--config` named, for the processes this one starts. */
export function withConfigPath(env: NodeJS.ProcessEnv, config: string | undefined): NodeJS.ProcessEnv {
  if (config === undefined) return env;
  return { ...env, OPSFN_CONFIG: /^[a-z][a-z0-9+.-]*:\/\//i.test(config) ? config : resolve(config) };
}
