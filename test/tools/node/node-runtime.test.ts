import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { nodeBinary, runWithNode } from '../../../tools/node/node-runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'opsfn-node-runtime-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PATH = process.env.PATH;
afterEach(() => {
  process.env.PATH = PATH;
});

/** An `npm` first on PATH whose `pack` writes a tarball of `files` and logs its arguments. */
function fakeNpm(name: string, files: Record<string, string>, alsoRun = ''): string {
  const root = join(dir, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(root, 'src', 'package', file, '..'), { recursive: true });
    writeFileSync(join(root, 'src', 'package', file), text);
  }
  execFileSync('tar', ['-czf', join(root, 'node.tgz'), '-C', join(root, 'src'), 'package']);
  mkdirSync(join(root, 'bin'));
  const npm = join(root, 'bin', 'npm');
  writeFileSync(
    npm,
    `#!/bin/sh\necho "$@" >> ${join(root, 'calls')}\n${alsoRun}\nwhile [ "$1" != --pack-destination ]; do shift; done\ncp ${join(root, 'node.tgz')} "$2"/node.tgz\necho node.tgz\n`,
  );
  chmodSync(npm, 0o755);
  process.env.PATH = [join(root, 'bin'), PATH].join(delimiter);
  return root;
}

describe('nodeBinary', () => {
  it("is this process's node when the version asked is its own, and refuses what is not a version", async () => {
    expect(await nodeBinary(String(process.versions.node.split('.')[0]), join(dir, 'none'))).toBe(process.execPath);
    expect(await nodeBinary(process.versions.node, join(dir, 'none'))).toBe(process.execPath);
    await expect(nodeBinary('latest; rm -rf /', join(dir, 'none'))).rejects.toThrow('not latest; rm -rf /');
  });

  it("fetches the registry's node-<platform>-<arch> build of another version once and keeps it", async () => {
    const npm = fakeNpm('ok', { 'bin/node': '#!/bin/sh\necho fake\n' });
    const cache = join(dir, 'cache');
    const binary = await nodeBinary('7', cache);
    expect(binary).toBe(join(cache, `node-7-${process.platform}-${process.arch}`, 'bin', 'node'));
    expect(readFileSync(binary, 'utf8')).toContain('echo fake');
    expect(await nodeBinary('7', cache)).toBe(binary);
    expect(readFileSync(join(npm, 'calls'), 'utf8').trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^pack node-${process.platform}-${process.arch}@7 --silent --pack-destination `),
      ),
    ]);
  });

  it('keeps the copy another process put in place first', async () => {
    const cache = join(dir, 'cache-race');
    const theirs = join(cache, `node-9-${process.platform}-${process.arch}`, 'bin');
    fakeNpm('race', { 'bin/node': 'ours' }, `mkdir -p ${theirs} && echo theirs > ${theirs}/node`);
    expect(readFileSync(await nodeBinary('9', cache), 'utf8')).toBe('theirs\n');
    expect(readdirSync(cache)).toEqual([`node-9-${process.platform}-${process.arch}`]);
  });

  it('refuses a package without bin/node and keeps nothing of it', async () => {
    fakeNpm('empty', { 'README.md': 'no binary' });
    const cache = join(dir, 'cache-empty');
    await expect(nodeBinary('8', cache)).rejects.toThrow(/has no bin\/node \(found README.md\)/);
    expect(readdirSync(cache)).toEqual([]);
  });
});

describe('runWithNode', () => {
  it('runs a command with the given node first on its PATH and answers its exit code', async () => {
    const fake = join(dir, 'bin-dir', 'node');
    mkdirSync(join(dir, 'bin-dir'));
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    expect(await runWithNode(fake, 'sh', ['-c', `[ "$(command -v node)" = "${fake}" ]`])).toBe(0);
    expect(await runWithNode(fake, 'sh', ['-c', 'exit 3'])).toBe(3);
  });
});
