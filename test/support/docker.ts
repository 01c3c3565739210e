import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';

const run = promisify(execFile);

/** Runs `docker …` and returns stdout. */
export async function docker(...args: string[]): Promise<string> {
  return (await run('docker', args, { maxBuffer: 16 * 1024 * 1024 })).stdout.trim();
}

/** A short random suffix so projects, containers and images of concurrent runs never collide. */
export const uniqueSuffix = () => randomBytes(4).toString('hex');

const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'httpd', 'wget', 'sleep', 'cat'];

/**
 * Builds `<repo>:<tag>` offline with `docker import` from a busybox-static root filesystem: `httpd` on `$PORT`
 * answers `/health` (a redirect to `/health/`) with the tag and `status`, 200 for a healthy build, 500 for a broken one.
 */
export async function importAppImage(repo: string, tag: string, status: 200 | 500): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'opsfn-rootfs-'));
  try {
    await mkdir(join(root, 'bin'));
    await mkdir(join(root, 'tmp'));
    await mkdir(join(root, 'www/health'), { recursive: true });
    await mkdir(join(root, 'www/cgi-bin'));
    await copyFile(BUSYBOX, join(root, 'bin/busybox'));
    await chmod(join(root, 'bin/busybox'), 0o755);
    for (const applet of APPLETS) await symlink('busybox', join(root, 'bin', applet));
    // busybox httpd runs /cgi-bin/index.cgi for a directory without index.html, so /health/ can answer any status.
    const reason = status === 200 ? 'OK' : 'Internal Server Error';
    const cgi = `#!/bin/sh\nprintf 'Status: ${status} ${reason}\\r\\nContent-Type: text/plain\\r\\n\\r\\n${tag}\\n'\n`;
    await writeFile(join(root, 'www/cgi-bin/index.cgi'), cgi, { mode: 0o755 });
    const cmd = JSON.stringify(['/bin/sh', '-c', 'exec /bin/httpd -f -p "$PORT" -h /www']);
    await run('sh', ['-c', `tar -C "${root}" -c . | docker import -c 'CMD ${cmd}' - "${repo}:${tag}"`]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Removes images by reference, ignoring ones already gone. */
export async function removeImages(...refs: string[]): Promise<void> {
  await run('docker', ['rmi', '-f', ...refs]).catch(() => undefined);
}

/** Removes every container of a compose project (by its label), whatever compose CLI made them. */
export async function removeProject(project: string): Promise<void> {
  const ids = await docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`);
  if (ids) await run('docker', ['rm', '-f', ...ids.split('\n')]).catch(() => undefined);
}

/** The compose CLI the tests drive by hand, as the platform detects it. */
export async function composeCli(): Promise<string[]> {
  try {
    await run('docker', ['compose', 'version']);
    return ['docker', 'compose'];
  } catch {
    return ['docker-compose'];
  }
}

/** A service of a test compose file: host networking, httpd on `port`, a healthcheck when `health` is set. */
export function appService(image: string, port: number, health = true): Record<string, unknown> {
  return {
    image,
    network_mode: 'host',
    // An init process passes SIGTERM on, so a recreate does not wait out the stop timeout of a PID 1 httpd.
    init: true,
    environment: { PORT: String(port) },
    ...(health
      ? {
          healthcheck: {
            test: ['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${port}/health/`],
            interval: '1s',
            timeout: '1s',
            retries: 2,
          },
        }
      : {}),
  };
}

/** Writes a compose file into `dir` and returns its path. */
export async function writeComposeFile(dir: string, services: Record<string, unknown>): Promise<string> {
  const file = join(dir, 'docker-compose.yml');
  await writeFile(file, stringify({ services }), 'utf8');
  return file;
}

/** Runs the compose CLI by hand, as a person deploying would. */
export async function composeUp(project: string, file: string, env: Record<string, string> = {}): Promise<void> {
  const [program, ...rest] = await composeCli();
  await run(program as string, [...rest, '-p', project, '-f', file, 'up', '-d'], { env: { ...process.env, ...env } });
}
