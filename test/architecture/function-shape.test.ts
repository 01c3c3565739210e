import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registry } from '../../functions/registry.js';

const ROOT = join(import.meta.dirname, '..', '..');
const pascal = (name: string) => name[0]?.toUpperCase() + name.slice(1);

describe('the shape of every registered function', () => {
  it.each(registry.map((d) => [d.name, d] as const))(
    '%s has its handler, deps, input, config, entry and README',
    async (name, d) => {
      const folder = join(ROOT, 'functions', d.folder);
      for (const file of ['handler.ts', 'deps.ts', 'input.ts', 'config.ts', 'index.ts', 'README.md']) {
        expect(existsSync(join(folder, file)), `functions/${d.folder}/${file}`).toBe(true);
      }
      const handler = (await import(join(folder, 'handler.ts'))) as Record<string, unknown>;
      const deps = (await import(join(folder, 'deps.ts'))) as Record<string, unknown>;
      const input = (await import(join(folder, 'input.ts'))) as Record<string, unknown>;
      const config = (await import(join(folder, 'config.ts'))) as Record<string, unknown>;
      expect(typeof handler[`create${pascal(name)}`], `create${pascal(name)}`).toBe('function');
      expect(handler[name]).toBe(await d.definition());
      expect(typeof deps[`default${pascal(name)}Deps`], `default${pascal(name)}Deps`).toBe('function');
      expect(input[`${pascal(name)}InputSchema`], `${pascal(name)}InputSchema`).toBeDefined();
      expect(config[`${name}Section`]).toBe(await d.config());
      expect(await d.config()).toMatchObject({ key: d.configKey });
    },
  );
});
