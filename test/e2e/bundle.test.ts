import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { measureColdStart } from '../../bench/cold-start.bench.js';
import { functions } from '../../functions/registry.js';
import { type BundleReport, buildBundles, kebabCase, locateHandlers } from '../../shared/cli/bundle-cmd.js';
import { defineFunction } from '../../shared/runtime/define-function.js';

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

  it('keeps cloud SDKs out of what a cold start loads', () => {
    for (const bundle of bundles) {
      const startup = bundle.startupFiles.map((file) => readFileSync(file, 'utf8')).join('\n');
      expect(startup, bundle.folder).not.toMatch(
        /@google-cloud\/(pubsub|storage|monitoring)|@aws-sdk|@kubernetes|ioredis|googleapis-common|mysql2|pg-protocol/,
      );
      expect(bundle.lazyFiles.length, bundle.folder).toBeGreaterThan(0);
    }
  });

  it('loads each bundle in a fresh node process and serves a manual trigger through functions-framework', async () => {
    const env = { OPSFN_CONFIG: join(ROOT, 'examples', 'local.yaml') };
    for (const bundle of bundles) {
      const served = await measureColdStart({ source: bundle.dir, target: bundle.name, env, timeoutMs: 30_000 });
      // An empty payload is valid for some functions and refused by others; either way the runtime answered.
      expect([200, 400], served.body).toContain(served.status);
      expect(JSON.parse(served.body)).toMatchObject({ function: bundle.name, trigger: { kind: 'manual' } });
      expect(JSON.parse(served.body).runId).toEqual(expect.any(String));
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
