import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../../../shared/adapters/storage/file-object-store.js';
import { BadInputError, NotFoundError } from '../../../../shared/core/errors/ops-error.js';
import { runObjectStoreContract } from './contract.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'opsfn-file-store-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

runObjectStoreContract(
  'FileObjectStore',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsfn-file-contract-'));
    return {
      store: new FileObjectStore(dir),
      missing: new FileObjectStore(join(dir, 'no-such-dir')),
      close: () => rm(dir, { recursive: true, force: true }),
    };
  },
  { missingBucket: true },
);

describe('FileObjectStore', () => {
  it('refuses a relative root', () => {
    expect(() => new FileObjectStore('relative/dir')).toThrow(BadInputError);
  });

  it('leaves no temp file behind and keeps the old object when a stream write fails', async () => {
    const dir = await tempDir();
    const store = new FileObjectStore(dir);
    await store.write('a.txt', 'old');
    async function* failing() {
      yield Buffer.from('partial');
      throw new Error('source broke');
    }
    const { Readable } = await import('node:stream');
    await expect(store.write('a.txt', Readable.from(failing()))).rejects.toThrow(/source broke/);
    expect(await readFile(join(dir, 'a.txt'), 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['a.txt']);
  });

  it('lists files behind symlinks but not symlinked directories', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'real.txt'), 'r');
    await symlink(join(dir, 'real.txt'), join(dir, 'link.txt'));
    await symlink(dir, join(dir, 'loop'));
    const keys = (await new FileObjectStore(dir).list('')).map((o) => o.key);
    expect(keys).toEqual(['link.txt', 'real.txt']);
  });

  it('raises NotFoundError when reading a directory', async () => {
    const dir = await tempDir();
    const store = new FileObjectStore(dir);
    await store.write('sub/x.txt', 'x');
    await expect(store.read('sub')).rejects.toBeInstanceOf(NotFoundError);
  });
});
