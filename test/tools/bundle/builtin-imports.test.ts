import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinFacade, builtinImportsPlugin } from '../../../tools/bundle/builtin-imports.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(ROOT, 'dist', 'builtin-imports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ENTRY = [
  "import { request, STATUS_CODES } from 'node:http';",
  "import * as http from 'http';",
  "import { parseArgs } from 'node:util';",
  'export const named = () => [typeof request, STATUS_CODES[404], typeof parseArgs];',
  'export const namespace = () => [typeof http.createServer, typeof http.default.Agent];',
  "export const dynamic = async () => { const { createServer } = await import('node:http'); return typeof createServer; };",
].join('\n');

async function bundle(name: string, source: string, plugins: boolean) {
  const out = join(dir, name);
  writeFileSync(join(dir, `${name}.js`), source);
  await build({
    absWorkingDir: ROOT,
    entryPoints: [join(dir, `${name}.js`)],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    outdir: out,
    plugins: plugins ? [builtinImportsPlugin()] : [],
    logLevel: 'silent',
  });
  const text = readdirSync(out, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(out, f), 'utf8'))
    .join('\n');
  return { out, text };
}

const esmImport = /(?:\bfrom\s*|\bimport\s*\(\s*)["'](?:node:)?(?:http|util)["']/;

describe('builtinImportsPlugin', () => {
  it('loads node:http and node:util through require, whether imported by name, as a namespace or with import()', async () => {
    const plain = await bundle('plain', ENTRY, false);
    expect(plain.text).toMatch(esmImport);
    const { out, text } = await bundle('gated', ENTRY, true);
    expect(text).not.toMatch(esmImport);
    const mod = (await import(pathToFileURL(join(out, 'gated.js')).href)) as Record<string, () => unknown>;
    expect(mod.named?.()).toEqual(['function', 'Not Found', 'function']);
    expect(mod.namespace?.()).toEqual(['function', 'function']);
    expect(await mod.dynamic?.()).toBe('function');
  }, 60_000);

  it('reads only the exports a bundle imports, so the others load nothing (util.parseArgs loads its parser)', async () => {
    const source =
      "import { promisify } from 'node:util'; export const loaded = () => [typeof promisify, process.moduleLoadList];";
    const { out, text } = await bundle('one-export', source, true);
    expect(text).not.toMatch(/\bparseArgs\b/);
    const script = `import(${JSON.stringify(pathToFileURL(join(out, 'one-export.js')).href)}).then((m) => {
      const [type, list] = m.loaded();
      process.stdout.write(JSON.stringify({ type, parseArgs: list.some((n) => n.includes('parse_args')) }));
    });`;
    // A fresh process: this one may have loaded the parser already.
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(child.stdout), child.stderr).toEqual({ type: 'function', parseArgs: false });
  }, 60_000);

  it("leaves out http's exports that load undici, and fails the build of a module importing one", async () => {
    expect(builtinFacade('http')).not.toMatch(/WebSocket|CloseEvent|MessageEvent/);
    expect(builtinFacade('http')).toMatch(/\bcreateServer\b/);
    await expect(bundle('websocket', "export { WebSocket } from 'node:http';", true)).rejects.toThrow(
      /No matching export.*WebSocket/s,
    );
  }, 60_000);
});
