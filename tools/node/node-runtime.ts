import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { errorMessage } from '../../shared/core/errors/index.js';

const run = promisify(execFile);

/** Where fetched Node builds are kept: `node_modules/.cache/opsfn-node/` of this checkout. */
export const NODE_CACHE = fileURLToPath(new URL('../../node_modules/.cache/opsfn-node/', import.meta.url));

/**
 * The Node binary of `version` (`22`, `22.23`, `22.23.5`): this process's when its version matches, else
 * the official build the npm registry publishes as `node-<platform>-<arch>` (the binary the `node`
 * package installs), the newest that matches, fetched once into `cacheDir`. The functions deploy on
 * `nodejs22` while a development machine may run Node 20, and the two differ (OpenSSL, the modules Node
 * loads), so the tests and benches can run on the runtime that deploys.
 */
export async function nodeBinary(version: string, cacheDir = NODE_CACHE): Promise<string> {
  if (!/^\d+(\.\d+){0,2}$/.test(version)) throw new Error(`a Node version is such as 22 or 22.11.0, not ${version}`);
  if (`${process.versions.node}.`.startsWith(`${version}.`)) return process.execPath;
  const dir = join(cacheDir, `node-${version}-${process.platform}-${process.arch}`);
  const binary = join(dir, 'bin', 'node');
  if (existsSync(binary)) return binary;
  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, 'fetch-'));
  try {
    const spec = `node-${process.platform}-${process.arch}@${version}`;
    const { stdout } = await run('npm', ['pack', spec, '--silent', '--pack-destination', work], { timeout: 300_000 });
    const tarball = stdout.trim().split('\n').pop() ?? '';
    if (!tarball.endsWith('.tgz')) throw new Error(`npm pack ${spec} printed no tarball: ${stdout.trim()}`);
    await run('tar', ['-xzf', join(work, tarball), '-C', work]);
    if (!existsSync(join(work, 'package', 'bin', 'node'))) {
      throw new Error(`${spec} has no bin/node (found ${(await readdir(join(work, 'package'))).join(', ')})`);
    }
    // Another process fetching the same version at once may have put its copy in place first.
    await rename(join(work, 'package'), dir).catch((error: unknown) => {
      if (!existsSync(binary)) throw error;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return binary;
}

/** `command` with `node` first on its PATH: every `node` it starts by name, or through a `#!/usr/bin/env node` bin, is `node`. */
export function runWithNode(node: string, command: string, args: string[]): Promise<number> {
  const path = [dirname(node), process.env.PATH ?? ''].join(delimiter);
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, PATH: path } });
    child.once('error', fail);
    child.once('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

// `tsx tools/node/node-runtime.ts <version> [-- <command> [args…]]`: prints the binary, or runs the command on it.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [version = '', separator, command, ...args] = process.argv.slice(2);
  nodeBinary(version)
    .then(async (node) => {
      if (separator !== '--' || !command) {
        process.stdout.write(`${node}\n`);
        return 0;
      }
      const { stdout } = await run(node, ['-p', 'process.version + " (OpenSSL " + process.versions.openssl + ")"']);
      process.stderr.write(`running ${command} on Node ${stdout.trim()}\n`);
      return runWithNode(node, command, args);
    })
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        process.stderr.write(`node-runtime: ${errorMessage(error)}\n`);
        process.exitCode = 1;
      },
    );
}
