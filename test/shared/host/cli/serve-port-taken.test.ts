import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

describe('opsfn serve on a port that is taken', () => {
  let taken: Server;
  let port = 0;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  it('exits with the error, its Redis connection closed, instead of living on unserving', async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'opsfn-serve-taken-')), 'opsfn.yaml');
    writeFileSync(
      config,
      `estate: taken\nstate: { redis: "redis://127.0.0.1:6379", prefix: "opsfn-test-${randomUUID()}:" }\n`,
    );
    // The CLI as the binary runs it, in a process of its own: what keeps that process alive is what is checked.
    const script = `const { run } = await import('./functions/cli.ts'); process.exitCode = await run(['serve', '--config', ${JSON.stringify(config)}, '--port', '${port}', '--no-scheduler']);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exit = await new Promise<number | string>((resolve) => {
      const hung = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('still running after 20 s');
      }, 20_000);
      child.once('exit', (code) => {
        clearTimeout(hung);
        resolve(code ?? 'killed');
      });
    });
    expect(exit, stderr).toBe(1);
    expect(stderr).toContain('EADDRINUSE');
  }, 30_000);
});
