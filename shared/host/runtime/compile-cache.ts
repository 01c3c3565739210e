import { readdirSync } from 'node:fs';
import module from 'node:module';
import { basename, dirname } from 'node:path';

/** Whether a start read its code from the compile cache its deploy step wrote, and why not when it did not. */
export interface CompileCacheStatus {
  /** `read`: this Node's directory holds the cache; `missed`: it holds none (another Node, other flags, another
   * user); `off`: `NODE_COMPILE_CACHE` is set but this Node has no compile cache. */
  compileCache: 'read' | 'missed' | 'off';
  message: string;
  /** The directory this Node reads (named by its version, architecture, V8 flags and user). */
  directory?: string;
  /** The directories the cache holds, each written for one Node, set of flags and user. */
  written?: string[];
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * What a deployed start says of its compile cache when `NODE_COMPILE_CACHE` asks for one: undefined otherwise.
 * Node writes a cache as the process exits, so a directory this start found empty is one it made: the cache for
 * this Node was not there. `dir` is the directory this Node reads (Node ≥ 22.8 names it; tests hand one in).
 */
export function compileCacheStatus(
  env: NodeJS.ProcessEnv = process.env,
  dir: string | undefined = (module as { getCompileCacheDir?: () => string | undefined }).getCompileCacheDir?.(),
): CompileCacheStatus | undefined {
  if (!env.NODE_COMPILE_CACHE) return undefined;
  if (!dir) {
    return {
      compileCache: 'off',
      message: `compile cache: none on Node ${process.version}, though NODE_COMPILE_CACHE is set: this start compiled its code`,
    };
  }
  const directory = basename(dir);
  if (entries(dir).length > 0) {
    return { compileCache: 'read', message: 'compile cache: this start read its code from the cache', directory };
  }
  const written = entries(dirname(dir)).filter(
    (name) => name !== directory && entries(`${dirname(dir)}/${name}`).length > 0,
  );
  return {
    compileCache: 'missed',
    message: `compile cache: none for ${directory} (written for ${written.join(', ') || 'nothing'}): this start compiled its code`,
    directory,
    written,
  };
}

/**
 * Lets go of the cache this start read, once its startup files are compiled: Node keeps every entry it read until
 * it writes the cache back (at exit, or now), and writing it back drops them (about 0.5 MiB for a bundle's start).
 * Only after a start that read the cache: one that missed it would write the whole cache now, during its start.
 */
export function releaseCompileCache(status: CompileCacheStatus | undefined): void {
  if (status?.compileCache !== 'read') return;
  (module as { flushCompileCache?: () => void }).flushCompileCache?.();
}
