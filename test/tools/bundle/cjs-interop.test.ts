import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { cjsInteropPlugin, isCommonJs } from '../../../tools/bundle/cjs-interop.js';

// Inside the checkout, so the bundle's externals resolve from node_modules as a deployed bundle's do.
const ROOT = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(ROOT, 'dist', 'cjs-interop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bundle(plugins: boolean): Promise<Record<string, unknown>> {
  const out = join(dir, plugins ? 'with' : 'without');
  writeFileSync(
    join(dir, 'entry.js'),
    [
      "export const yaml = async () => { const { parse } = await import('yaml'); return typeof parse; };",
      "export const run = async () => { const { run, auth } = await import('@googleapis/run'); return [typeof run, typeof auth]; };",
    ].join('\n'),
  );
  await build({
    absWorkingDir: ROOT,
    entryPoints: [join(dir, 'entry.js')],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    outdir: out,
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    plugins: plugins ? [cjsInteropPlugin([])] : [],
    logLevel: 'silent',
  });
  const mod = (await import(pathToFileURL(join(out, 'entry.js')).href)) as Record<string, () => Promise<unknown>>;
  return { yaml: await mod.yaml?.(), run: await mod.run?.() };
}

describe('CommonJS packages loaded by import() in a bundle', () => {
  it('keep their named exports, which a split chunk alone would lose', async () => {
    expect(await bundle(true)).toEqual({ yaml: 'function', run: ['function', 'object'] });
    expect(await bundle(false)).toEqual({ yaml: 'undefined', run: ['undefined', 'undefined'] });
  }, 60_000);

  it('tells a CommonJS file from an ES module shipped as .js', () => {
    expect(isCommonJs(join(ROOT, 'node_modules', 'yaml', 'dist', 'index.js'))).toBe(true);
    expect(isCommonJs(join(ROOT, 'node_modules', 'zod', 'index.js'))).toBe(false);
  });
});
