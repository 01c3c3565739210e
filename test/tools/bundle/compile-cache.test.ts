import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fillCompileCache, flagSets, HAS_COMPILE_CACHE } from '../../../tools/bundle/compile-cache.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
// The step does nothing on a Node without a compile cache: these run in CI's Node 22 pass.

describe('flagSets', () => {
  it('writes the cache for the function’s own NODE_OPTIONS, never the build’s', () => {
    expect(flagSets({})).toEqual(['']);
    expect(flagSets({ NODE_OPTIONS: '--max-old-space-size=4096' })).toEqual(['']);
    expect(flagSets({ OPSFN_RUNTIME_NODE_OPTIONS: ' --enable-source-maps ' })).toEqual(['--enable-source-maps']);
  });

  it('with a memory hint, writes it for the heap size the functions-framework buildpack puts first: the hint less 64 MB', () => {
    expect(flagSets({ GOOGLE_CONTAINER_MEMORY_HINT_MB: '512' })).toEqual(['--max-old-space-size=448']);
    expect(
      flagSets({ GOOGLE_CONTAINER_MEMORY_HINT_MB: '1024', OPSFN_RUNTIME_NODE_OPTIONS: '--enable-source-maps' }),
    ).toEqual(['--max-old-space-size=960 --enable-source-maps']);
  });

  it('without one, also for the heap size the runtime buildpack adds at launch: 80 % of the memory limit', () => {
    expect(flagSets({ OPSFN_MEMORY_MB: '256' })).toEqual(['', '--max-old-space-size=204']);
    expect(flagSets({ OPSFN_MEMORY_MB: '256', OPSFN_RUNTIME_NODE_OPTIONS: '--enable-source-maps' })).toEqual([
      '--enable-source-maps',
      '--enable-source-maps --max-old-space-size=204',
    ]);
    // Flags that name a heap size already are left as they are; a hint the buildpack refuses is no hint.
    expect(flagSets({ OPSFN_MEMORY_MB: '256', OPSFN_RUNTIME_NODE_OPTIONS: '--max-old-space-size=100' })).toEqual([
      '--max-old-space-size=100',
    ]);
    expect(flagSets({ GOOGLE_CONTAINER_MEMORY_HINT_MB: '64' })).toEqual(['']);
    expect(flagSets({ GOOGLE_CONTAINER_MEMORY_HINT_MB: 'lots', OPSFN_MEMORY_MB: 'x' })).toEqual(['']);
  });
});

describe('fillCompileCache', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsfn-compile-cache-'));
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    await writeFile(join(dir, 'package.json'), '{"type":"module","main":"index.js"}');
    await writeFile(
      join(dir, 'index.js'),
      "import * as framework from '@google-cloud/functions-framework';\nframework.http('hello', (_req, res) => res.send('ok'));\n",
    );
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it.skipIf(!HAS_COMPILE_CACHE)('gives up on a bundle file that never lets its process end, and says so', async () => {
    await mkdir(join(dir, 'chunks'));
    // A module whose evaluation never ends: its import never settles.
    await writeFile(join(dir, 'chunks', 'forever.js'), 'await new Promise(() => setInterval(() => {}, 1_000));\n');
    const started = Date.now();
    const report = await fillCompileCache(dir, 'hello', {}, { listenMs: 10_000, loadMs: 1_500 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(report).toContainEqual(
      "WARNING compile cache: not written for no NODE_OPTIONS: importing the bundle's files took over 1.5s; stopped",
    );
  });

  it.skipIf(!HAS_COMPILE_CACHE)(
    'warns, without throwing, when functions-framework cannot serve the target',
    async () => {
      const report = await fillCompileCache(dir, 'nothing', {}, { listenMs: 10_000, loadMs: 10_000 });
      expect(report.join('\n')).toMatch(
        /WARNING compile cache: not written for no NODE_OPTIONS: functions-framework exited with 1/,
      );
    },
  );

  it('writes nothing on a Node without a compile cache', async () => {
    const report = await fillCompileCache(dir, 'hello', {});
    if (HAS_COMPILE_CACHE) {
      expect(report.at(-1)).toMatch(/^compile cache: \d+ entries in \.compile-cache/);
      expect(existsSync(join(dir, '.compile-cache', 'written.json'))).toBe(true);
    } else {
      expect(report).toEqual([`compile cache: Node ${process.version} has none; skipped`]);
      expect(existsSync(join(dir, '.compile-cache'))).toBe(false);
    }
  });
});
