import { randomBytes } from 'node:crypto';
import { createWriteStream, type Dirent } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BadInputError, DependencyError, errorMessage, NotFoundError, OpsError } from '../../core/errors/index.js';
import { StorageAccessDeniedError } from './errors.js';
import type { ObjectInfo, ObjectStore } from './object-store.js';
import { assertObjectKey } from './store-url.js';
import { guardStream } from './stream-guard.js';

const TEMP_MARK = '.opsfn-tmp-';
// Larger reads than the 64 KiB default: dump verification hashes and gunzips every byte, and fewer chunks is faster.
const READ_CHUNK = 512 * 1024;

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** An object store over a local directory: keys are relative paths, writes are atomic (temp file + rename). */
export class FileObjectStore implements ObjectStore {
  readonly root: string;

  /** Roots the store at `root`, an absolute directory. */
  constructor(root: string) {
    if (!root.startsWith('/')) throw new BadInputError(`file store root "${root}": expected an absolute path`);
    this.root = resolve(root);
  }

  private path(key: string): string {
    const path = resolve(this.root, assertObjectKey(key));
    if (relative(this.root, path).startsWith('..')) {
      throw new BadInputError(`object key "${key}": escapes the store root ${this.root}`);
    }
    return path;
  }

  private fail(error: unknown, action: string, target: string): OpsError {
    if (error instanceof OpsError) return error;
    const what = `${action} ${target}`;
    const c = code(error);
    if (c === 'EACCES' || c === 'EPERM')
      return new StorageAccessDeniedError(`access denied: ${what}`, { cause: error });
    if (c === 'ENOENT') return new NotFoundError(`not found: ${what}`, { cause: error });
    if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
      return new DependencyError(`${what}: ${error.name === 'TimeoutError' ? 'timed out' : 'aborted'}`, {
        cause: error,
      });
    }
    return new DependencyError(`${what} failed: ${errorMessage(error)}`, {
      cause: error,
    });
  }

  async list(prefix: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo[]> {
    if (prefix.startsWith('/') || prefix.split('/').includes('..')) {
      throw new BadInputError(`list prefix "${prefix}": expected a relative prefix without ".."`);
    }
    try {
      await stat(this.root);
    } catch (error) {
      throw this.fail(error, 'list directory', this.root);
    }
    // Only descend into the directory the prefix names, so a narrow prefix never walks the whole tree.
    const start = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
    const out: ObjectInfo[] = [];
    await this.walk(start, prefix, out, options.signal);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async walk(dirKey: string, prefix: string, out: ObjectInfo[], signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    let entries: Dirent[];
    try {
      entries = await readdir(join(this.root, dirKey), { withFileTypes: true });
    } catch (error) {
      if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return;
      throw this.fail(error, 'list directory', join(this.root, dirKey));
    }
    for (const entry of entries) {
      const key = `${dirKey}${entry.name}`;
      if (entry.name.includes(TEMP_MARK)) continue;
      if (entry.isDirectory()) {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`))
          await this.walk(`${key}/`, prefix, out, signal);
        continue;
      }
      if (!key.startsWith(prefix)) continue;
      // Symlinks count when they point at files; linked directories are skipped so a loop cannot hang a run.
      if (!entry.isFile() && !entry.isSymbolicLink()) continue;
      const info = await this.stat(key).catch(() => undefined);
      if (info) out.push(info);
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const path = this.path(key);
    try {
      const s = await stat(path);
      return s.isFile() ? { key, bytes: s.size, updated: s.mtime } : undefined;
    } catch (error) {
      if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return undefined;
      throw this.fail(error, 'stat', path);
    }
  }

  async read(key: string, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    const path = this.path(key);
    try {
      const handle = await open(path, 'r');
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw new NotFoundError(`not found: ${path} is not a file`);
      }
      return guardStream(
        handle.createReadStream({ highWaterMark: READ_CHUNK }),
        (error) => this.fail(error, 'read', path),
        options.signal,
      );
    } catch (error) {
      throw this.fail(error, 'read', path);
    }
  }

  async write(
    key: string,
    body: Buffer | string | Readable,
    options: { contentType?: string; signal?: AbortSignal } = {},
  ): Promise<void> {
    const path = this.path(key);
    const temp = join(dirname(path), `${TEMP_MARK}${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(dirname(path), { recursive: true });
      const source = typeof body === 'string' || Buffer.isBuffer(body) ? Readable.from([body]) : body;
      await pipeline(source, createWriteStream(temp, { flags: 'wx' }), { signal: options.signal });
      // fsync before rename so a crash leaves either the old object or the whole new one, never a torn file.
      const handle = await open(temp, 'r');
      await handle.datasync().finally(() => handle.close());
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw this.fail(error, 'write', path);
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.path(key);
    try {
      await unlink(path);
    } catch (error) {
      if (code(error) === 'ENOENT') return;
      throw this.fail(error, 'delete', path);
    }
  }
}
