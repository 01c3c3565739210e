import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnTracked, waitReady } from '../support/local-process.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const NOBODY = 65534;

/** The instructions of one stage of a Dockerfile, line continuations joined. */
function stage(dockerfile: string, name: string): string[] {
  const lines = dockerfile.replace(/\\\n\s*/g, ' ').split('\n');
  const start = lines.findIndex((l) => new RegExp(`^FROM \\S+ AS ${name}$`).test(l));
  const end = lines.findIndex((l, i) => i > start && l.startsWith('FROM '));
  return lines.slice(start + 1, end === -1 ? undefined : end).filter((l) => /^[A-Z]+ /.test(l));
}

describe('deploy/docker: the runtime image, reproduced without a registry', () => {
  let dockerfile: string;
  let runtime: string[];
  let app: string;

  beforeAll(async () => {
    dockerfile = await readFile(join(ROOT, 'deploy/docker/Dockerfile'), 'utf8');
    runtime = stage(dockerfile, 'runtime');
    app = await mkdtemp(join(tmpdir(), 'opsfn-image-'));
  });
  afterAll(() => rm(app, { recursive: true, force: true }));

  it('runs as a non-root user, checks /healthz and reads its config from a mounted file', () => {
    expect(runtime).toContain('USER node');
    expect(runtime.find((l) => l.startsWith('HEALTHCHECK'))).toContain('/healthz');
    expect(runtime).toContain('ENV OPSFN_CONFIG=/etc/opsfn/opsfn.yaml');
    expect(runtime.find((l) => l.startsWith('RUN npm ci'))).toMatch(/--omit=dev/);
  });

  it('carries the restore clients, so a restore test or drill restore runs in it (and as the restore job)', () => {
    const install = runtime.find((l) => l.startsWith('RUN apt-get')) ?? '';
    expect(install).toMatch(/install -y --no-install-recommends [^&]*\bpostgresql-client\b/);
    expect(install).toMatch(/install -y --no-install-recommends [^&]*\bmariadb-client\b/);
    expect(runtime.indexOf(install)).toBeLessThan(runtime.indexOf('USER node'));
  });

  it('serves `opsfn serve` as a non-root user from the production dependencies alone', async () => {
    // The build stage as written: its COPY lines into a source tree (the dev dependencies linked, not installed),
    // then its last RUN, whose dist/ the runtime stage copies.
    const build = stage(dockerfile, 'build');
    const src = join(app, 'src');
    for (const line of build.filter((l) => l.startsWith('COPY '))) {
      const [, ...words] = line.split(/\s+/);
      const target = words.pop() as string;
      for (const source of words) {
        await cp(join(ROOT, source), target.endsWith('/') ? join(src, source) : join(src, target), { recursive: true });
      }
    }
    await symlink(join(ROOT, 'node_modules'), join(src, 'node_modules'), 'dir');
    const buildStep = (build.filter((l) => l.startsWith('RUN ')).pop() ?? '').slice('RUN '.length);
    expect(buildStep).toBe('npm run build');
    await run('sh', ['-c', buildStep], { cwd: src, maxBuffer: 16 * 1024 * 1024 });
    expect(runtime).toContain('COPY --from=build /src/dist ./dist');
    await cp(join(src, 'dist'), join(app, 'dist'), { recursive: true });
    await rm(src, { recursive: true, force: true });
    // bin/opsfn.js runs the CLI bundle when there is one, which is what the build stage is for.
    expect(existsSync(join(app, 'dist', 'cli', 'opsfn.js'))).toBe(true);
    for (const line of runtime.filter((l) => l.startsWith('COPY ') && !l.includes('--from='))) {
      const [, ...words] = line.split(/\s+/);
      const target = words.pop() as string;
      for (const source of words) {
        const to = target.endsWith('/') ? join(app, source) : join(app, target);
        await cp(join(ROOT, source), to, { recursive: true });
      }
    }
    const install = runtime
      .find((l) => l.startsWith('RUN npm ci'))
      ?.slice('RUN '.length)
      .split('&&')[0]
      ?.trim();
    const [npm, ...args] = (install ?? '').split(/\s+/);
    await run(npm as string, [...args, '--prefer-offline'], { cwd: app, maxBuffer: 16 * 1024 * 1024 });
    await writeFile(join(app, 'opsfn.yaml'), 'estate: image-test\nstate: memory\n');
    await chmod(app, 0o755);

    const port = await freePort();
    const node = [
      process.execPath,
      join(app, 'bin/opsfn.js'),
      'serve',
      '--config',
      join(app, 'opsfn.yaml'),
      '--port',
      String(port),
    ];
    const root = process.getuid?.() === 0;
    const [command, ...rest] = root
      ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', ...node]
      : node;
    // The stopper removes the directory it is given: give it one of its own so the app stays for the checks below.
    const server = spawnTracked(command as string, rest, join(app, 'serve-run'));
    try {
      await waitReady(`http://127.0.0.1:${port}/healthz`, 30_000, server.output);
      const body = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { functions: string[] };
      expect(body.functions).toEqual(expect.arrayContaining(['rollback', 'autoscale', 'backupVerify']));
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      const status = await readFile(`/proc/${server.child.pid}/status`, 'utf8');
      if (root) expect(status).toMatch(new RegExp(`^Uid:\\s+${NOBODY}\\s`, 'm'));
    } finally {
      await server.stop();
    }
    // Adapters load their SDKs on first use: each package the compiled code imports lazily must resolve too.
    const lazy = new Set<string>();
    for (const file of await readdir(join(app, 'dist'), { recursive: true })) {
      // `npm run bundle` is a build step run from a checkout with dev dependencies, never by the image.
      if (!file.endsWith('.js') || /bundle-[a-z]+\.js$/.test(file)) continue;
      const code = await readFile(join(app, 'dist', file), 'utf8');
      for (const m of code.matchAll(/\bimport\(\s*['"]((?:@[^/'"]+\/)?[^./'"][^/'"]*)['"]\s*\)/g)) {
        if (!(m[1] as string).startsWith('node:')) lazy.add(m[1] as string);
      }
    }
    expect([...lazy]).toEqual(expect.arrayContaining(['dockerode', '@googleapis/run', '@kubernetes/client-node']));
    const probe = `for (const s of ${JSON.stringify([...lazy])}) await import(s);`;
    await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: app });
    // The restore job's entry (terraform/jobs.tf runs it from this image) loads from the production
    // dependencies and refuses a malformed task.
    const job = await run(process.execPath, [join(app, 'dist/functions/job.js')], {
      cwd: app,
      env: { ...process.env, OPSFN_JOB_ID: 'image-test', OPSFN_JOB_TASK: '{"kind":"nope"}' },
    }).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(job.code).toBe(2);
    expect(job.stdout).toContain('opsfn job: bad task: OPSFN_JOB_TASK');
  }, 240_000);
});
