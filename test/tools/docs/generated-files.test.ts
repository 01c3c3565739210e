import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedFiles, SCHEMA_FILE, withSchemaLine } from '../../../tools/docs/generated-files.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const files = await generatedFiles(ROOT);

describe('the generated docs', () => {
  it.each(files.map((file) => [file.path, file.content]))('%s is up to date', (path, content) => {
    expect(readFileSync(join(ROOT, path), 'utf8'), `${path} is stale: run \`npm run docs\``).toBe(content);
  });

  it('cover the configuration reference, the JSON Schema, the guard, Terraform and every example estate', () => {
    const paths = files.map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'docs/configuration.md',
        SCHEMA_FILE,
        'shared/core/guard/README.md',
        'terraform/README.md',
      ]),
    );
    expect(paths.filter((path) => path.startsWith('examples/')).length).toBeGreaterThanOrEqual(6);
  });

  it('point every example estate at the JSON Schema from its first line', () => {
    for (const file of files.filter((f) => f.path.startsWith('examples/'))) {
      expect(file.content.split('\n')[0]).toBe('# yaml-language-server: $schema=../opsfn.schema.json');
    }
  });

  it('replace a stale schema line instead of adding a second one', () => {
    const yaml = withSchemaLine('# yaml-language-server: $schema=old.json\nestate: x\n', '../opsfn.schema.json');
    expect(yaml).toBe('# yaml-language-server: $schema=../opsfn.schema.json\nestate: x\n');
  });
});
