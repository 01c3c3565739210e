import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replaceMarked } from '../../../tools/docs/markers.js';
import { terraformTables } from '../../../tools/docs/terraform-readme.js';

const TERRAFORM = join(import.meta.dirname, '..', '..', '..', 'terraform');

function declared(pattern: RegExp, kind: string): string[] {
  return readdirSync(TERRAFORM)
    .filter((name) => pattern.test(name))
    .flatMap((name) => [
      ...readFileSync(join(TERRAFORM, name), 'utf8').matchAll(new RegExp(`^${kind} "([^"]+)"`, 'gm')),
    ])
    .map((m) => m[1] as string)
    .sort();
}

describe('terraformTables', () => {
  it('lists every variable and every output the module declares, once', async () => {
    const tables = await terraformTables(TERRAFORM);
    const [inputs = '', outputs = ''] = tables.split('### Outputs');
    const names = (text: string) => [...text.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(names(inputs)).toEqual(declared(/^variables.*\.tf$/, 'variable'));
    expect(names(outputs)).toEqual(declared(/^outputs\.tf$/, 'output'));
  });

  it('marks required and sensitive inputs', async () => {
    const tables = await terraformTables(TERRAFORM);
    expect(tables).toMatch(/\| `project_id` \| `string` \| \*required\* \|/);
    expect(tables).toMatch(/\| `redis_url` \|.*\(sensitive\) \|/);
  });
});

describe('replaceMarked', () => {
  it('replaces what lies between the markers and says where it comes from', () => {
    const doc = 'a\n<!-- t:start -->\nold\n<!-- t:end -->\nb\n';
    expect(replaceMarked(doc, 't', 'new', 'x.tf')).toBe(
      'a\n<!-- t:start (generated from x.tf by `npm run docs`; do not edit) -->\nnew\n<!-- t:end -->\nb\n',
    );
  });

  it('refuses a document without its markers', () => {
    expect(() => replaceMarked('# terraform\n', 't', 'new', 'x.tf')).toThrow(/markers are missing/);
  });
});
