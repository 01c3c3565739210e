import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileCacheStatus } from '../../../../shared/host/runtime/compile-cache.js';

describe('compileCacheStatus', () => {
  let root = '';
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'opsfn-compile-cache-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('says nothing when no compile cache is asked for', () => {
    expect(compileCacheStatus({}, join(root, 'v22.23.5-x64-9de703df-33'))).toBeUndefined();
  });

  it('says the start read its code when this Node’s directory holds the cache', async () => {
    const dir = join(root, 'v22.23.5-x64-9de703df-33');
    await mkdir(dir);
    await writeFile(join(dir, '712488c2'), 'code');
    expect(compileCacheStatus({ NODE_COMPILE_CACHE: root }, dir, '/workspace')).toEqual({
      compileCache: 'read',
      message: 'compile cache: this start read its code from the cache',
      directory: 'v22.23.5-x64-9de703df-33',
    });
  });

  it('names what the build wrote when this Node, its flags or its user found nothing', async () => {
    const built = join(root, 'v22.23.5-x64-9de703df-33');
    await mkdir(built);
    await writeFile(join(built, '712488c2'), 'code');
    // Node makes its own directory at start and writes it only as the process exits.
    const dir = join(root, 'v22.24.0-x64-9de703df-33');
    await mkdir(dir);
    expect(compileCacheStatus({ NODE_COMPILE_CACHE: root }, dir, '/workspace')).toEqual({
      compileCache: 'missed',
      message:
        'compile cache: none for v22.24.0-x64-9de703df-33 (written for v22.23.5-x64-9de703df-33): this start compiled its code',
      directory: 'v22.24.0-x64-9de703df-33',
      written: ['v22.23.5-x64-9de703df-33'],
    });
  });

  it('says the cache is off on a Node that reads none', () => {
    expect(compileCacheStatus({ NODE_COMPILE_CACHE: root }, null)).toMatchObject({ compileCache: 'off' });
  });

  it('counts a cache written for the files of another directory as missed: its entries are not this start’s', async () => {
    const dir = join(root, 'v22.23.5-x64-9de703df-33');
    await mkdir(dir);
    await writeFile(join(dir, '712488c2'), 'code');
    await writeFile(join(root, 'written.json'), JSON.stringify({ root: '/srv/build/rollback' }));
    expect(compileCacheStatus({ NODE_COMPILE_CACHE: root }, dir, '/workspace')).toMatchObject({
      compileCache: 'missed',
      message:
        'compile cache: written for the files under /srv/build/rollback, not /workspace: this start compiled its code',
    });
    await writeFile(join(root, 'written.json'), JSON.stringify({ root: '/workspace' }));
    expect(compileCacheStatus({ NODE_COMPILE_CACHE: root }, dir, '/workspace')).toMatchObject({ compileCache: 'read' });
  });
});
