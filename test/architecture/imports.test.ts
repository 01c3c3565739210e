import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// Static imports and re-exports (`import type` included: a type-only cycle is still a cycle a reader must
// untangle) and dynamic `import('…')` of relative paths.
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** Every TypeScript source file of the project (tests, benches and fixtures aside). */
function sourceFiles(): string[] {
  return ['shared', 'functions', 'tools', 'demo']
    .flatMap((dir) =>
      readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith('.ts'))
        .map((e) => relative(ROOT, join(e.parentPath, e.name))),
    )
    .sort();
}

/** The repository-relative file an import specifier names (`.js` written for the `.ts` source). */
function resolveImport(from: string, spec: string): string {
  const target = normalize(join(dirname(from), spec));
  if (target.endsWith('.js')) return `${target.slice(0, -3)}.ts`;
  return existsSync(join(ROOT, `${target}.ts`)) ? `${target}.ts` : join(target, 'index.ts');
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => resolveImport(file, (m[1] ?? m[2]) as string));
}

const graph = new Map(sourceFiles().map((f) => [f, importsOf(f)]));

/** The layer and module of a file: `shared/<floor>/<module>/…` (`shared/testing/…` is one module), `functions/<name>/…`, or a root file. */
function placeOf(file: string): { layer: string; module: string } {
  const parts = file.split('/');
  // The testing floor is one module: `opsfn/testing`, entered through shared/testing/index.ts.
  if (parts[0] === 'shared' && parts[1] === 'testing') return { layer: 'shared/testing', module: 'shared/testing' };
  if (parts[0] === 'shared') return { layer: `shared/${parts[1]}`, module: parts.slice(0, 3).join('/') };
  if (parts[0] === 'functions' && parts.length > 2) return { layer: 'functions', module: parts.slice(0, 2).join('/') };
  if (parts[0] === 'functions') return { layer: 'composition', module: file };
  return { layer: parts[0] as string, module: parts.slice(0, 2).join('/') };
}

/** Which layers each layer may import; a layer always imports itself. */
const ALLOWED: Record<string, readonly string[]> = {
  'shared/core': ['shared/core'],
  'shared/adapters': ['shared/core', 'shared/adapters'],
  'shared/host': ['shared/core', 'shared/adapters', 'shared/host'],
  'shared/testing': ['shared/core', 'shared/adapters', 'shared/host', 'shared/testing'],
  functions: ['shared/core', 'shared/adapters', 'shared/host'],
  composition: ['shared/core', 'shared/adapters', 'shared/host', 'functions', 'composition', 'demo'],
  demo: ['shared/core', 'shared/adapters', 'shared/host', 'demo'],
  tools: ['shared/core', 'shared/adapters', 'shared/host', 'functions', 'composition', 'tools'],
};

/** What may be imported of a module from outside it: its entry, and of a function its handler and config too. */
function isEntry(target: string): boolean {
  const { layer, module } = placeOf(target);
  const rest = relative(module, target);
  if (layer === 'functions') return ['index.ts', 'handler.ts', 'config.ts'].includes(rest);
  if (layer.startsWith('shared/')) return rest === 'index.ts';
  return true;
}

function cycles(): string[][] {
  const found: string[][] = [];
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the import rules of the layers', () => {
  it('finds the source files it checks', () => {
    expect(graph.size).toBeGreaterThan(200);
    expect([...graph.keys()].some((f) => f.startsWith('shared/core/'))).toBe(true);
  });

  it('has no import cycle, type-only imports included', () => {
    expect(cycles()).toEqual([]);
  });

  it('imports only from the layers below: core ← adapters ← host ← functions ← composition root', () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      const from = placeOf(file);
      for (const target of targets) {
        const to = placeOf(target);
        if (to.layer === from.layer) continue;
        if (!(ALLOWED[from.layer] ?? []).includes(to.layer)) wrong.push(`${file} → ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('never imports one function from another', () => {
    const wrong = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((t) => placeOf(file).layer === 'functions' && placeOf(t).layer === 'functions')
        .filter((t) => placeOf(t).module !== placeOf(file).module)
        .map((t) => `${file} → ${t}`),
    );
    expect(wrong).toEqual([]);
  });

  it('imports another module only through its entry (index.ts; a function also by handler.ts or config.ts)', () => {
    const wrong = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => placeOf(t).module !== placeOf(file).module && !isEntry(t)).map((t) => `${file} → ${t}`),
    );
    expect(wrong).toEqual([]);
  });

  it('builds schemas only through shared/core/schema: no source file imports zod itself', () => {
    // Full `zod` would put every schema method back into every bundle (about 2 MiB of cold start).
    const direct = sourceFiles().filter(
      (file) =>
        !file.startsWith('shared/core/schema/') &&
        /(?:^|[\s;])(?:import|export)\b[^'";]*['"]zod(?:\/[^'"]*)?['"]/.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(direct).toEqual([]);
  });

  it('resolves every relative import to a file that exists', () => {
    const missing = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => !existsSync(join(ROOT, t))).map((t) => `${file} → ${t}`),
    );
    expect(missing).toEqual([]);
  });
});
