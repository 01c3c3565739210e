import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCacheMisses, measureColdStart } from '../../bench/cold-start.bench.js';
import {
  DEPLOYED_ESTATE_YAML,
  deployedEstateEnv,
  deployedEstateJson,
  ONCALL_HEADERS,
  PROBE_BODY,
} from '../../bench/fixtures/deployed-estate.js';
import { defaultThreads } from '../../functions/cert-expiry/check.js';
import { registry } from '../../functions/registry.js';
import { defineFunction } from '../../shared/core/run/define-function.js';
import * as z from '../../shared/core/schema/index.js';
import { type BundleReport, buildBundles, kebabCase, locateHandlers } from '../../tools/bundle/bundle-cmd.js';
import { HAS_COMPILE_CACHE } from '../../tools/bundle/compile-cache.js';
import { functions } from '../support/catalogue.js';
import { createTlsFixtures } from '../support/tls-fixtures.js';
import { serveOptions, startTlsServer } from '../support/tls-servers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let out = '';
let bundles: BundleReport[] = [];

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'opsfn-bundles-'));
  // The externals resolve through this link as they would from the deployed bundle's installed node_modules.
  await symlink(join(ROOT, 'node_modules'), join(out, 'node_modules'), 'dir');
  bundles = await buildBundles({ root: ROOT, outDir: out });
}, 120_000);

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe('buildBundles', () => {
  it('writes one bundle per registered function in its kebab-case folder', () => {
    expect(bundles.map((b) => b.folder).sort()).toEqual(functions.map((f) => kebabCase(f.name)).sort());
    expect(bundles.map((b) => b.folder).sort()).toEqual(registry.map((d) => d.folder).sort());
    for (const bundle of bundles) {
      expect(existsSync(join(bundle.dir, 'index.js')), bundle.dir).toBe(true);
    }
  });

  it('writes a package.json the Cloud Functions Node.js build can install', () => {
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const bundle of bundles) {
      const manifest = JSON.parse(readFileSync(join(bundle.dir, 'package.json'), 'utf8'));
      expect(manifest).toMatchObject({ type: 'module', main: 'index.js', engines: { node: '>=20' } });
      expect(manifest.dependencies['@google-cloud/functions-framework']).toMatch(/^\d+\.\d+\.\d+$/);
      for (const name of Object.keys(manifest.dependencies)) expect(root.dependencies).toHaveProperty(name);
    }
  });

  it('keeps cloud SDKs and database drivers out of what a cold start loads', () => {
    const allowed = ['@google-cloud/functions-framework', 'croner', 'yaml', 'zod'];
    for (const bundle of bundles) {
      expect(
        bundle.startupPackages.filter((p) => !allowed.includes(p)),
        bundle.folder,
      ).toEqual([]);
      expect(bundle.startupPackages, bundle.folder).toContain('@google-cloud/functions-framework');
      expect(bundle.lazyFiles.length, bundle.folder).toBeGreaterThan(0);
    }
  });

  it('leaves what a run reaches late out of the startup files: the restore and store adapters of drDrill, remote config readers', () => {
    const drDrill = bundles.find((b) => b.name === 'drDrill') as BundleReport;
    // The list is the bundle's own sources: the function's definition is in it, what its runs do is not.
    expect(drDrill.startupModules).toEqual(expect.arrayContaining(['functions/dr-drill/handler.ts']));
    // Each function's run, and the production dependencies it runs over, load on its first run.
    const runs: Record<string, string[]> = {
      backupVerify: ['functions/backup-verify/verify-run.ts', 'functions/backup-verify/deps.ts'],
      certExpiry: ['functions/cert-expiry/sweep.ts', 'functions/cert-expiry/deps.ts'],
      autoscale: ['functions/autoscale/on-alert.ts', 'functions/autoscale/on-sweep.ts', 'functions/autoscale/deps.ts'],
      rollback: ['functions/rollback/on-alert.ts', 'functions/rollback/on-manual.ts', 'functions/rollback/deps.ts'],
      drDrill: ['functions/dr-drill/run.ts', 'functions/dr-drill/deps.ts', 'shared/adapters/storage/s3-settings.ts'],
      healthSweep: [
        'functions/health-sweep/on-run.ts',
        'functions/health-sweep/on-alert.ts',
        'functions/health-sweep/deps.ts',
      ],
    };
    expect(Object.keys(runs).sort()).toEqual(bundles.map((b) => b.name).sort());
    for (const bundle of bundles) {
      expect(bundle.startupModules, bundle.name).toEqual(
        expect.arrayContaining([`functions/${bundle.folder}/handler.ts`]),
      );
      expect(
        bundle.startupModules.filter((m) => runs[bundle.name]?.includes(m)),
        bundle.name,
      ).toEqual([]);
    }
    const onFirstUse = [
      'shared/adapters/databases/restore.ts',
      'shared/adapters/databases/assertions.ts',
      'shared/adapters/storage/open-object-store.ts',
      'shared/adapters/storage/s3-object-store.ts',
      'shared/adapters/storage/gcs-object-store.ts',
      'shared/adapters/storage/file-object-store.ts',
    ];
    expect(drDrill.startupModules.filter((m) => onFirstUse.includes(m))).toEqual([]);
    // A config on gs:// or s3:// is read through a chunk of its own, even where the storage adapters load at start.
    for (const bundle of bundles) {
      expect(bundle.startupModules, bundle.folder).not.toContain('shared/adapters/storage/gcs-read.ts');
      // The estate schema is composed in a chunk imported when a config needs validating, not at every start.
      expect(bundle.startupModules, bundle.folder).not.toContain('shared/core/config/compose.ts');
      // Nor the section schemas it composes (each module builds its schemas where it is evaluated), nor croner,
      // which checks the schedules' cron expressions.
      const sectionSchemas = bundle.startupModules.filter(
        (m) => m.startsWith('shared/core/config/sections/') || /^functions\/[^/]+\/config[^/]*\.ts$/.test(m),
      );
      expect(sectionSchemas, bundle.folder).toEqual([]);
      expect(bundle.startupPackages, bundle.folder).not.toContain('croner');
    }
    // Each platform's adapter is imported on its first service: an estate's cold start compiles none of them.
    const platforms = [
      'shared/adapters/platforms/cloud-run-platform.ts',
      'shared/adapters/platforms/compose-platform.ts',
      'shared/adapters/platforms/docker-engine.ts',
      'shared/adapters/platforms/kubernetes-platform.ts',
      'shared/adapters/platforms/kubernetes-hpa.ts',
    ];
    for (const bundle of bundles) {
      expect(
        bundle.startupModules.filter((m) => platforms.includes(m)),
        bundle.folder,
      ).toEqual([]);
    }
    // drDrill's config schemas (plans, steps) are needed by that validation alone.
    expect(drDrill.startupModules.filter((m) => /^functions\/dr-drill\/config/.test(m))).toEqual([]);
  });

  it('loads node:http and node:util through require in every file, never as an ES module namespace', () => {
    // On Node 22 the namespace of node:http loads undici (about 10 MiB), that of node:util worker_threads.
    const esmImport = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)["'](?:node:)?(?:http|util)["']/;
    for (const bundle of bundles) {
      for (const file of [...bundle.startupFiles, ...bundle.lazyFiles]) {
        expect(esmImport.exec(readFileSync(file, 'utf8'))?.[0], file).toBeUndefined();
      }
    }
  });

  it('loads every lazy chunk (SDKs, drivers) in a fresh node process without a missing module or global', () => {
    // Chunks are named by content hash: the same chunk in several bundles is checked once.
    const seen = new Set<string>();
    const chunks = bundles.flatMap((b) => b.lazyFiles).filter((f) => !seen.has(basename(f)) && seen.add(basename(f)));
    const script = `for (const file of ${JSON.stringify(chunks.map((f) => pathToFileURL(f).href))}) await import(file);`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
  }, 120_000);

  it('loads each bundle in a fresh node process and serves a manual trigger through functions-framework', async () => {
    const env = { OPSFN_CONFIG: join(ROOT, 'bench', 'fixtures', 'deployed.yaml') };
    for (const bundle of bundles) {
      const served = await measureColdStart({ source: bundle.dir, target: bundle.name, env, timeoutMs: 30_000 });
      // An empty payload is valid for some functions and refused by others; either way the runtime answered.
      expect([200, 400], served.body).toContain(served.status);
      expect(JSON.parse(served.body)).toMatchObject({ function: bundle.name, trigger: { kind: 'manual' } });
      expect(JSON.parse(served.body).runId).toEqual(expect.any(String));
    }
  }, 120_000);

  it('refuses a bad payload in words: the schema kit keeps its English messages once tree-shaken', async () => {
    const env = { OPSFN_CONFIG: join(ROOT, 'bench', 'fixtures', 'deployed.yaml') };
    for (const bundle of bundles) {
      const body = JSON.stringify({ opsfnProbe: 1 });
      const served = await measureColdStart({ source: bundle.dir, target: bundle.name, env, body, timeoutMs: 30_000 });
      expect(served.status, served.body).toBe(400);
      // zod/mini ships no locale: without the one `shared/core/schema` sets, this would read "Invalid input".
      expect(JSON.parse(served.body).summary, bundle.name).toContain('Unrecognized key: "opsfnProbe"');
    }
  }, 120_000);

  it('accepts the estate a deployment uploads, every function’s section in it, and checks its own', async () => {
    // As terraform/examples/000-marketplace uploads it: the whole estate as JSON, secrets from the environment.
    const dir = await mkdtemp(join(tmpdir(), 'opsfn-estate-'));
    const config = join(dir, 'opsfn.json');
    const env = deployedEstateEnv(config);
    const serve = (bundle: BundleReport) =>
      measureColdStart({
        source: bundle.dir,
        target: bundle.name,
        env,
        headers: ONCALL_HEADERS,
        body: PROBE_BODY,
        timeoutMs: 30_000,
      });
    try {
      await writeFile(config, deployedEstateJson());
      for (const bundle of bundles) {
        const served = await serve(bundle);
        // The config was read and the caller admitted: the payload is what is refused, before any work.
        expect(served.status, `${bundle.name}: ${served.body}`).toBe(400);
        expect(JSON.parse(served.body), bundle.name).toMatchObject({ function: bundle.name, outcome: 'rejected' });
        expect(JSON.parse(served.body).summary, bundle.name).toContain('Unrecognized key: "opsfnProbe"');
      }
      // Its own section is checked, another function's is not: a bad backups entry fails backupVerify alone.
      const { backups } = JSON.parse(deployedEstateJson()) as { backups: Record<string, unknown> };
      await writeFile(config, deployedEstateJson({ backups: { ...backups, broken: { kind: 'nothing' } } }));
      for (const bundle of bundles.filter((b) => ['backupVerify', 'rollback'].includes(b.name))) {
        const served = await serve(bundle);
        if (bundle.name === 'backupVerify') {
          expect(served.status, served.body).toBe(400);
          expect(served.body).toMatch(/invalid config[\s\S]*backups\.broken/);
        } else {
          expect(JSON.parse(served.body).summary, served.body).toContain('Unrecognized key: "opsfnProbe"');
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('carries the estate it was built with, validated, and takes it only for that estate', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsfn-validated-bundle-'));
    try {
      await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
      const rollback = functions.find((f) => f.name === 'rollback')!;
      const [bundle] = await buildBundles({
        root: ROOT,
        outDir: dir,
        functions: [rollback],
        estate: DEPLOYED_ESTATE_YAML,
      });
      const config = join(dir, 'opsfn.json');
      const serve = () =>
        measureColdStart({
          source: bundle!.dir,
          target: 'rollback',
          env: deployedEstateEnv(config),
          headers: ONCALL_HEADERS,
          body: PROBE_BODY,
          timeoutMs: 30_000,
        });
      const taken = /the config is the estate validated when this bundle was built/;
      // As Terraform uploads it: the same estate as JSON, its keys in another order.
      await writeFile(config, deployedEstateJson());
      const same = await serve();
      expect(JSON.parse(same.body).summary, same.body).toContain('Unrecognized key: "opsfnProbe"');
      expect(same.output).toMatch(taken);
      // Another estate is validated at start as always: an invalid rollback section is refused, named.
      const { rollback: section } = JSON.parse(deployedEstateJson()) as { rollback: Record<string, unknown> };
      await writeFile(config, deployedEstateJson({ rollback: { ...section, errorRate: 'high' } }));
      const changed = await serve();
      expect(changed.status, changed.body).toBe(400);
      expect(changed.body).toMatch(/invalid config[\s\S]*rollback/);
      expect(changed.output).not.toMatch(taken);
      // A valid estate other than the carried one is validated, and the log says why.
      await writeFile(config, deployedEstateJson({ state: 'memory' }));
      const other = await serve();
      expect(JSON.parse(other.body).summary, other.body).toContain('Unrecognized key: "opsfnProbe"');
      expect(other.output).toMatch(/the config was validated at start: its document \(sha256 \w+\) is not the estate/);
      // Bundled on one Node and served by another (the deployer's Node 20, the nodejs22 runtime): taken when this
      // runtime knows every time zone the estate names, validated at start when it does not.
      const entry = join(bundle!.dir, 'index.js');
      const built = await readFile(entry, 'utf8');
      const carried = /runtime:"node \d+, tz [^"]*"/;
      expect(built).toMatch(carried);
      expect(built).toContain('zones:["Asia/Taipei"]');
      await writeFile(config, deployedEstateJson());
      await writeFile(entry, built.replace(carried, 'runtime:"node 18, tz 2019a"'));
      const elsewhere = await serve();
      expect(elsewhere.output).toMatch(taken);
      await writeFile(
        entry,
        built
          .replace(carried, 'runtime:"node 18, tz 2019a"')
          .replace('zones:["Asia/Taipei"]', 'zones:["Asia/Taipei","Mars/Olympus"]'),
      );
      const unknownZone = await serve();
      expect(JSON.parse(unknownZone.body).summary, unknownZone.body).toContain('Unrecognized key: "opsfnProbe"');
      expect(unknownZone.output).toMatch(
        /validated at start: the bundle validated it on node 18, tz 2019a; this runtime \(node \d+, tz \w+\) does not know its time zone \\?"Mars\/Olympus/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses to carry an estate holding a literal secret, which would go into every source archive', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsfn-literal-estate-'));
    try {
      const estate = join(dir, 'opsfn.json');
      const { databases } = JSON.parse(deployedEstateJson()) as { databases: Record<string, unknown> };
      const literal = { kind: 'postgres', url: 'postgres://app:hunter2@db.internal/app' };
      await writeFile(estate, deployedEstateJson({ databases: { ...databases, literal } }));
      const rollback = functions.find((f) => f.name === 'rollback')!;
      const build = buildBundles({ root: ROOT, outDir: dir, functions: [rollback], estate });
      await expect(build).rejects.toThrow(/holds 1 secret\(s\) as literal values/);
      await expect(build).rejects.not.toThrow(/hunter2/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to build bundles for an estate that is invalid, naming the file and the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsfn-invalid-estate-'));
    try {
      const estate = join(dir, 'opsfn.yaml');
      await writeFile(estate, 'estate: broken\ntimezone: Mars/Olympus\n');
      const rollback = functions.find((f) => f.name === 'rollback')!;
      await expect(buildBundles({ root: ROOT, outDir: dir, functions: [rollback], estate })).rejects.toThrow(
        new RegExp(`${estate}[\\s\\S]*timezone`),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('starts with a config that is missing or invalid and answers the first request with why, crashing on neither', async () => {
    // The runtime is built right after import (warm): its failure must neither crash the instance nor be kept.
    const dir = await mkdtemp(join(tmpdir(), 'opsfn-config-'));
    const config = join(dir, 'opsfn.json');
    const bundle = bundles.find((b) => b.name === 'rollback')!;
    const serve = () =>
      measureColdStart({ source: bundle.dir, target: bundle.name, env: { OPSFN_CONFIG: config }, timeoutMs: 30_000 });
    try {
      const missing = await serve();
      expect(missing.status, missing.body).toBeGreaterThanOrEqual(400);
      expect(missing.body).toContain(config);
      await writeFile(config, '{"estate": "warm", "timezone": "Mars/Olympus"}');
      const invalid = await serve();
      expect(invalid.status, invalid.body).toBeGreaterThanOrEqual(400);
      expect(invalid.body).toContain('timezone');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the compile cache a bundle fills when it is deployed', () => {
  // The Cloud Functions build runs `gcp-build` on the Node the function runs on: Node 22 in CI's second pass.
  const deployStep = (dir: string, env: NodeJS.ProcessEnv = {}) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const [node, ...args] = manifest.scripts['gcp-build']!.split(' ');
    expect(node).toBe('node');
    return spawnSync(process.execPath, args, {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 100_000,
    });
  };

  it('declares its deploy step in package.json, naming its own function', () => {
    for (const bundle of bundles) {
      const manifest = JSON.parse(readFileSync(join(bundle.dir, 'package.json'), 'utf8'));
      expect(manifest.scripts).toEqual({ 'gcp-build': `node compile-cache.js ${bundle.name}` });
      expect(existsSync(join(bundle.dir, 'compile-cache.js')), bundle.dir).toBe(true);
    }
  });

  it('fills .compile-cache so that a start compiles no file itself, for each set of flags the platform starts with', async () => {
    const bundle = bundles.find((b) => b.name === 'rollback')!;
    const cache = join(bundle.dir, '.compile-cache');
    // A cache uploaded with the source was written for other paths: the step never keeps it.
    await mkdir(join(cache, 'v0-stale'), { recursive: true });
    // A 256 MiB function without a memory hint: the runtime buildpack's launch script gives it 80 % as its heap.
    const step = deployStep(bundle.dir, { OPSFN_MEMORY_MB: '256', NODE_OPTIONS: '--max-old-space-size=4096' });
    expect(step.status, step.stderr).toBe(0);
    expect(step.stdout).not.toContain('WARNING');
    const env = {
      OPSFN_CONFIG: join(ROOT, 'bench', 'fixtures', 'deployed.yaml'),
      NODE_COMPILE_CACHE: '.compile-cache',
    };
    if (!HAS_COMPILE_CACHE) {
      expect(step.stdout).toContain(`Node ${process.version} has none; skipped`);
      expect(existsSync(join(cache, 'v0-stale'))).toBe(true);
      // What Terraform sets is harmless on such a Node, and the start says it compiled its code.
      const served = await measureColdStart({ source: bundle.dir, target: bundle.name, env, timeoutMs: 30_000 });
      expect([200, 400], served.body).toContain(served.status);
      expect(served.output).toContain('"compileCache":"off"');
      return;
    }
    expect(step.stdout).toContain('written for no NODE_OPTIONS');
    expect(step.stdout).toContain('written for NODE_OPTIONS="--max-old-space-size=204"');
    expect(JSON.parse(readFileSync(join(cache, 'written.json'), 'utf8'))).toMatchObject({ root: bundle.dir });
    expect(existsSync(join(cache, 'v0-stale'))).toBe(false);
    for (const flags of ['', '--max-old-space-size=204']) {
      const served = await measureColdStart({
        source: bundle.dir,
        target: bundle.name,
        env: { ...env, NODE_OPTIONS: flags, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' },
        timeoutMs: 30_000,
        outputChars: 4_000_000,
      });
      expect([200, 400], served.body).toContain(served.status);
      const { accepted, missed } = compileCacheMisses(served.output);
      // functions-framework, its dependencies and the bundle's startup files: well over a hundred files.
      expect(accepted, flags).toBeGreaterThan(100);
      expect(missed, flags).toEqual([]);
      expect(served.output, flags).toContain('"compileCache":"read"');
    }
    // Other flags name another directory: a start finds no cache there and compiles as it would without one.
    const other = await measureColdStart({
      source: bundle.dir,
      target: bundle.name,
      env: { ...env, NODE_OPTIONS: '--max-semi-space-size=8', NODE_DEBUG_NATIVE: 'COMPILE_CACHE' },
      timeoutMs: 30_000,
      outputChars: 4_000_000,
    });
    expect([200, 400], other.body).toContain(other.status);
    expect(compileCacheMisses(other.output).missed.length).toBeGreaterThan(100);
    // …and says so, naming what the build wrote, so an operator can tell from the logs.
    expect(other.output).toContain('"compileCache":"missed"');
    expect(other.output).toMatch(/compile cache: none for v22[^"]* \(written for v22/);
  }, 120_000);
});

describe('the certExpiry bundle', () => {
  it('probes a large sweep on worker threads started from the bundled files', async () => {
    const fx = createTlsFixtures();
    const server = await startTlsServer(serveOptions(fx.leaves.ok, [fx.inter]));
    try {
      const count = 70;
      const endpoints = Array.from(
        { length: count },
        (_, i) => `    - { host: e${i}.test.local, address: 127.0.0.1, port: ${server.port} }`,
      );
      const config = join(out, 'cert-expiry.yaml');
      await writeFile(
        config,
        [
          'estate: bundle-test',
          'state: memory',
          // Deployed, a function serves only with auth; Cloud Run IAM admits callers here.
          'auth: { mode: platform }',
          'notify: { channels: {}, routes: [] }',
          'certificates:',
          `  caFile: ${fx.caFile}`,
          '  endpoints:',
          ...endpoints,
        ].join('\n'),
      );
      const bundle = bundles.find((b) => b.name === 'certExpiry')!;
      const served = await measureColdStart({
        source: bundle.dir,
        target: bundle.name,
        env: { OPSFN_CONFIG: config },
        timeoutMs: 60_000,
      });
      const envelope = JSON.parse(served.body) as { threads: number; items: { status: string }[] };
      expect(served.status, served.body).toBe(200);
      expect(envelope.items.map((i) => i.status)).toEqual(Array(count).fill('ok'));
      // A worker that fails to start is retired and its probes rerun inline, which would show as fewer threads.
      expect(envelope.threads).toBe(defaultThreads(count, 64));
      if (availableParallelism() > 1) expect(envelope.threads).toBeGreaterThan(0);
    } finally {
      await server.close();
      fx.pki.cleanup();
    }
  }, 120_000);
});

describe('locateHandlers', () => {
  const stub = (name: string) =>
    defineFunction({
      name,
      description: 'not the exported definition',
      triggers: ['manual'],
      input: z.object({}),
      run: async () => ({ outcome: 'ok', summary: 'stub' }),
    });

  it('refuses a registry entry whose folder has no handler.ts', async () => {
    await expect(locateHandlers(ROOT, [stub('noSuchFunction')])).rejects.toThrow(
      /noSuchFunction: expected its definition in functions\/no-such-function\/handler\.ts/,
    );
  });

  it('refuses a definition that is not the one its handler.ts exports under the entry point name', async () => {
    const name = functions[0]?.name ?? 'certExpiry';
    await expect(locateHandlers(ROOT, [stub(name)])).rejects.toThrow(new RegExp(`export const ${name}\``));
  });

  it('refuses names that cannot be entry points', async () => {
    // defineFunction refuses such names too; the registry may still hold a hand-made object.
    await expect(locateHandlers(ROOT, [{ ...stub('placeholder'), name: 'Bad-Name' }])).rejects.toThrow(
      /"Bad-Name": the name must be a camelCase/,
    );
  });

  it('names every violation at once', async () => {
    await expect(locateHandlers(ROOT, [stub('oneMissing'), stub('twoMissing')])).rejects.toThrow(
      /oneMissing[\s\S]*twoMissing/,
    );
  });
});
