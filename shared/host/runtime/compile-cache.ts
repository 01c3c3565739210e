import { readdirSync, readFileSync } from 'node:fs';
import module from 'node:module';
import { basename, dirname, join } from 'node:path';

/** Whether a start read its code from the compile cache its deploy step wrote, and why not when it did not. */
export interface CompileCacheStatus {
  /**
   * `read`: this Node's directory holds the cache, written for this directory's files; `missed`: it holds none, or
   * one written for files elsewhere (another Node, other flags, another user, another path); `off`:
   * `NODE_COMPILE_CACHE` is set but Node uses no compile cache (none before 22.8 reports one, or it could not open it).
   */
  compileCache: 'read' | 'missed' | 'off';
  message: string;
  /** The directory this Node reads (named by its version, architecture, V8 flags and user). */
  directory?: string;
  /** The directories the cache holds, each written for one Node, set of flags and user. */
  written?: string[];
}

/** What the deploy step writes beside the cache's directories (`written.json`). */
interface Marker {
  root?: string;
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function marker(base: string): Marker | undefined {
  try {
    return JSON.parse(readFileSync(join(base, 'written.json'), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

/**
 * What a deployed start says of its compile cache when `NODE_COMPILE_CACHE` asks for one: undefined otherwise.
 * Node writes a cache as the process exits, so a directory this start found empty is one it made: the cache for
 * this Node was not there. A cache written for files under another directory than `cwd` (the bundle's, where the
 * platform starts it) holds none of this start's. `dir`: the directory this Node reads, null when it reads none
 * (Node ≥ 22.8 names it; tests hand one in).
 */
export function compileCacheStatus(
  env: NodeJS.ProcessEnv = process.env,
  dir: string | null = (module as { getCompileCacheDir?: () => string | undefined }).getCompileCacheDir?.() ?? null,
  cwd: string = process.cwd(),
): CompileCacheStatus | undefined {
  if (!env.NODE_COMPILE_CACHE) return undefined;
  if (dir === null) {
    return {
      compileCache: 'off',
      message: `compile cache: not in use on Node ${process.version} though NODE_COMPILE_CACHE is set (none before 22.8 reports one, or it could not open it): this start compiled its code`,
    };
  }
  const base = dirname(dir);
  const directory = basename(dir);
  const root = marker(base)?.root;
  const elsewhere = root !== undefined && root !== cwd;
  if (!elsewhere && entries(dir).length > 0) {
    return { compileCache: 'read', message: 'compile cache: this start read its code from the cache', directory };
  }
  // Only a start that missed the cache lists what the build wrote.
  const written = entries(base).filter((name) => name !== directory && entries(join(base, name)).length > 0);
  if (elsewhere) {
    return {
      compileCache: 'missed',
      message: `compile cache: written for the files under ${root}, not ${cwd}: this start compiled its code`,
      directory,
      written,
    };
  }
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

let once: { status: CompileCacheStatus | undefined } | undefined;

/** {@link compileCacheStatus} and {@link releaseCompileCache}, once per process: a runtime built again does neither. */
export function compileCacheAtStart(): CompileCacheStatus | undefined {
  if (!once) {
    const status = compileCacheStatus();
    releaseCompileCache(status);
    once = { status };
  }
  return once.status;
}
