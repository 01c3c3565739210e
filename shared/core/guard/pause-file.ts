import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { PauseRecord } from './keys.js';

/** The file that pauses every function (`guard.pauseFile`), or one function (`<pauseFile>.<function>`). */
export function pauseFilePath(pauseFile: string, fn?: string): string {
  return fn === undefined ? pauseFile : `${pauseFile}.${fn}`;
}

/**
 * The pause a file on this host holds for `fn`: `<pauseFile>.<fn>`, else `<pauseFile>` (only that one without
 * `fn`); its first line is the
 * reason, its modification time when it began. A file that exists but cannot be read pauses all the same: a kill
 * switch fails closed.
 */
export async function readPauseFile(pauseFile: string, fn?: string): Promise<PauseRecord | undefined> {
  const paths = fn === undefined ? [pauseFile] : [pauseFilePath(pauseFile, fn), pauseFile];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      return { reason: `pause file ${path} exists but cannot be read (${code ?? 'error'})`, at: 'unknown' };
    }
    const at = await stat(path).then(
      (s) => s.mtime.toISOString(),
      () => 'unknown',
    );
    const first =
      text
        .split('\n')
        .find((line) => line.trim() !== '')
        ?.trim() ?? '';
    return { reason: first === '' ? `pause file ${path} exists` : first.slice(0, 200), at, by: `file:${path}` };
  }
  return undefined;
}

/** Writes the pause file (for every function, or for `fn`), its first line the reason. */
export async function writePauseFile(pauseFile: string, fn: string | undefined, record: PauseRecord): Promise<string> {
  const path = pauseFilePath(pauseFile, fn);
  await writeFile(path, `${record.reason.replace(/\s+/g, ' ')}\npaused by ${record.by ?? 'opsfn'} at ${record.at}\n`, {
    mode: 0o644,
  });
  return path;
}

/** Removes the pause file (for every function, or for `fn`); whether there was one. */
export async function removePauseFile(pauseFile: string, fn?: string): Promise<boolean> {
  const path = pauseFilePath(pauseFile, fn);
  const existed = await stat(path).then(
    () => true,
    () => false,
  );
  await rm(path, { force: true });
  return existed;
}
