import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadTerraform } from './load-terraform.js';

// Cloud Build runs every step in a fresh container of its image that shares only /workspace with the other
// steps (https://cloud.google.com/build/docs/build-config-file-schema): a step must install and start
// what it uses, and may read only files written by steps it waits for (waitFor, or all earlier steps).

const ROOT = join(import.meta.dirname, '..', '..');

interface Step {
  id: string;
  name: string;
  entrypoint?: string;
  args?: string[];
  waitFor?: string[];
}

const build = parse(readFileSync(join(ROOT, 'cloudbuild.yaml'), 'utf8')) as {
  steps: Step[];
  substitutions: Record<string, string>;
};
const ids = build.steps.map((step) => step.id);
const step = (id: string): Step => build.steps.find((s) => s.id === id) ?? expect.fail(`no step "${id}"`);
const script = (s: Step) => [s.entrypoint ?? '', ...(s.args ?? [])].join(' ').replace(/\\\n\s*/g, ' ');

/** Steps `s` waits for, directly or through others (no waitFor: every earlier step). */
function waitsFor(s: Step): Set<string> {
  const direct = s.waitFor ?? ids.slice(0, ids.indexOf(s.id));
  const all = new Set<string>();
  for (const id of direct) {
    if (id === '-' || all.has(id)) continue;
    all.add(id);
    for (const more of waitsFor(step(id))) all.add(more);
  }
  return all;
}

/** Programs the code spawns, with the Debian packages that provide them (util-linux, tar, sh: in the image). */
const PROGRAMS: Record<string, string[]> = {
  psql: ['postgresql-client'],
  pg_dump: ['postgresql-client'],
  initdb: ['postgresql'],
  pg_ctl: ['postgresql'],
  mariadb: ['mariadb-client'],
  mysqldump: ['mariadb-client'],
  mariadbd: ['mariadb-server'],
  'mariadb-install-db': ['mariadb-server'],
  'redis-server': ['redis-server'],
  openssl: ['openssl'],
  prometheus: ['prometheus'],
  promtool: ['prometheus'],
  'prometheus-alertmanager': ['prometheus-alertmanager'],
  gcloud: ['google-cloud-cli'],
  'cloud-pubsub-emulator': ['google-cloud-cli-pubsub-emulator', 'default-jre-headless'],
};
/** Local services the code connects to, by port, with how a step starts each. */
const SERVICES: Record<string, { port: string; start: RegExp }> = {
  redis: { port: '6379', start: /redis-server --daemonize yes[^\n]*--port 6379/ },
  postgresql: { port: '5432', start: /pg_ctlcluster [^\n]* start/ },
  mariadb: { port: '3306', start: /service mariadb start|mariadbd/ },
};

function sources(...dirs: string[]): string {
  return dirs
    .flatMap((dir) =>
      readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
        // This file names every program in its tables; it spawns none.
        .filter((e) => e.isFile() && e.name.endsWith('.ts') && join(e.parentPath, e.name) !== import.meta.filename)
        .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8')),
    )
    .join('\n');
}

/** What a command run in a step needs: packages for the programs its code spawns, services it connects to. */
function needs(command: string): { packages: string[]; services: string[]; files: string[] } {
  const code = /vitest run/.test(command)
    ? sources('test', 'shared', 'functions', 'tools')
    : /npm run bench/.test(command)
      ? sources('bench', 'shared', 'functions', 'tools')
      : '';
  const spawned = Object.keys(PROGRAMS).filter((p) => code.includes(`'${p}'`) || code.includes(`'${p}')`));
  const services = Object.entries(SERVICES)
    .filter(([, s]) => new RegExp(`127\\.0\\.0\\.1:${s.port}\\b`).test(code))
    .map(([name]) => name);
  const files = /\bnpm run|\bnpx\b/.test(command) ? ['node_modules'] : [];
  return { packages: [...new Set(spawned.flatMap((p) => PROGRAMS[p] ?? []))], services, files };
}

/** The files each step leaves in /workspace for later steps. */
const WRITES: Record<string, string[]> = {
  install: ['node_modules'],
  bundle: ['dist/bundles'],
  'terraform-init': ['.terraform'],
  'terraform-plan': ['tfplan'],
};
const READS: Record<string, string[]> = {
  bundle: ['node_modules'],
  'terraform-plan': ['.terraform', 'dist/bundles'],
  'terraform-apply': ['.terraform', 'tfplan'],
};

describe('cloudbuild.yaml', () => {
  it('runs install, checks, tests with a bench smoke run and bundles before Terraform', () => {
    expect(script(step('install'))).toMatch(/^npm ci\b/);
    expect(script(step('lint'))).toContain('run lint');
    expect(script(step('typecheck'))).toContain('run typecheck');
    expect(script(step('test'))).toMatch(/vitest run[\s\S]*npm run bench -- --smoke/);
    expect(script(step('bundle'))).toContain('run bundle');
    expect([...waitsFor(step('bundle'))]).toEqual(expect.arrayContaining(['lint', 'typecheck', 'test']));
    expect([...waitsFor(step('terraform-plan'))]).toEqual(expect.arrayContaining(['bundle', 'test']));
  });

  it.each(build.steps.map((s) => [s.id, s] as const))('step %s installs and starts what its commands use', (_, s) => {
    const text = script(s);
    const installed = [...text.matchAll(/apt-get install ([^\n]*)/g)].flatMap((m) =>
      (m[1] ?? '').split(/\s+/).filter((w) => w !== '' && !w.startsWith('-')),
    );
    for (const command of ['vitest run', 'npm run bench', 'npm run lint', 'npm run typecheck', 'npm run bundle']) {
      const at = text.indexOf(command);
      if (at === -1) continue;
      const need = needs(command);
      expect(
        need.packages.filter((p) => !installed.includes(p)),
        `${s.id}: ${command} needs`,
      ).toEqual([]);
      for (const service of need.services) {
        const start = SERVICES[service]?.start.exec(text);
        expect(start && start.index < at, `${s.id}: ${command} needs ${service} started before it`).toBe(true);
      }
      for (const file of need.files) {
        const from = Object.entries(WRITES).find(([, files]) => files.includes(file))?.[0] ?? '';
        expect(waitsFor(s).has(from), `${s.id}: ${command} reads ${file}, written by ${from}`).toBe(true);
      }
    }
    for (const file of READS[s.id] ?? []) {
      const from = Object.entries(WRITES).find(([, files]) => files.includes(file))?.[0] ?? '';
      expect(waitsFor(s).has(from), `${s.id} reads ${file}, written by ${from}`).toBe(true);
    }
  });

  it('knows every program the code spawns', () => {
    const code = sources('test', 'bench', 'shared', 'functions', 'tools');
    const spawnedLiterals = [
      ...code.matchAll(/(?:spawn|spawnSync|execFile|execFileSync|spawnTracked|startReadyServer)\(\s*'([a-z0-9_.-]+)'/g),
    ].map((m) => m[1] ?? '');
    const unknown = spawnedLiterals.filter((p) => !(p in PROGRAMS) && !['sh', 'tar', 'id', 'runuser'].includes(p));
    expect([...new Set(unknown)]).toEqual([]);
    expect(needs('npx vitest run').packages).toEqual(
      expect.arrayContaining(['prometheus', 'prometheus-alertmanager', 'postgresql-client', 'redis-server']),
    );
    expect(needs('npm run bench -- --smoke').services).toContain('postgresql');
  });

  it("applies the saved plan only for this repository's main branch, never a pull request or a fork", () => {
    const apply = script(step('terraform-apply'));
    const guard = /if (.*); then\s+terraform .*apply .*tfplan/.exec(apply)?.[1] ?? '';
    // Cloud Build substitutions as written in the file: ${NAME}.
    const sub = (name: string) => ['$', '{', name, '}'].join('');
    expect(guard).toContain(`[ "${sub('BRANCH_NAME')}" = "main" ]`);
    expect(guard).toContain(`[ -z "${sub('_PR_NUMBER')}" ]`);
    expect(guard).toContain(`[ -n "${sub('_REPOSITORY')}" ]`);
    expect(guard).toContain(`[ "${sub('REPO_FULL_NAME')}" = "${sub('_REPOSITORY')}" ]`);
    expect(guard).not.toContain('||');
    expect(build.substitutions).toHaveProperty('_REPOSITORY', '');
    expect(step('terraform-apply').waitFor).toEqual(['terraform-plan']);
    expect(script(step('terraform-plan'))).toContain('-out=tfplan');
    for (const id of ids.filter((i) => i !== 'terraform-apply')) expect(script(step(id))).not.toMatch(/\bapply\b/);
  });

  it('plans a Terraform root module and sets each of its required variables', async () => {
    const dir = build.substitutions._TF_DIR ?? '';
    expect(existsSync(join(ROOT, dir, 'main.tf'))).toBe(true);
    const [module] = (await loadTerraform(join(ROOT, dir))).filter((m) => relative(ROOT, m.dir) === dir);
    const required = Object.entries(module?.variables ?? {})
      .filter(([, body]) => !('default' in body))
      .map(([name]) => name);
    const passed = [...script(step('terraform-plan')).matchAll(/-var=([a-z_]+)=/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((name) => !passed.includes(name))).toEqual([]);
  });
});
