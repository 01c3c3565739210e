import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The opsfn checkout or install this module belongs to (works from sources and from `dist/`). */
export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'opsfn')
      return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the opsfn package root');
    dir = parent;
  }
}
