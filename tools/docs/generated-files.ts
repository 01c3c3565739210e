import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { EstateSchema } from '../../functions/estate.js';
import { registry } from '../../functions/registry.js';
import { withGuardrailTable } from '../../shared/core/guard/index.js';
import { CONFIG_NOTES } from './config-notes.js';
import { configDocs } from './config-reference.js';
import { terraformReadme } from './terraform-readme.js';

/** A file `npm run docs` writes, by its path from the repository root. */
export interface GeneratedFile {
  path: string;
  content: string;
}

/** The JSON Schema of `opsfn.yaml`, at the repository root. */
export const SCHEMA_FILE = 'opsfn.schema.json';

const SCHEMA_LINE = /^# yaml-language-server: \$schema=.*\n/;

/** An estate file whose first line points editors at the JSON Schema, `schema` being its path from the file. */
export function withSchemaLine(yaml: string, schema: string): string {
  return `# yaml-language-server: $schema=${schema}\n${yaml.replace(SCHEMA_LINE, '')}`;
}

function read(root: string, path: string): string {
  return readFileSync(join(root, path), 'utf8');
}

/**
 * Every generated file with the content it must have: the configuration reference and the JSON Schema
 * (from the estate schema composed from the registry), the schema line of every example estate, the
 * guard's guardrail table and Terraform's inputs and outputs.
 */
export async function generatedFiles(root: string): Promise<GeneratedFile[]> {
  const owners = registry.map((entry) => ({ key: entry.configKey, name: entry.name, folder: entry.folder }));
  const config = configDocs(EstateSchema, owners, CONFIG_NOTES);
  const examples = readdirSync(join(root, 'examples'))
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => {
      const path = `examples/${name}`;
      const schema = relative(dirname(join(root, path)), join(root, SCHEMA_FILE));
      return { path, content: withSchemaLine(read(root, path), schema) };
    });
  const guard = 'shared/core/guard/README.md';
  const terraform = 'terraform/README.md';
  return [
    { path: 'docs/configuration.md', content: config.reference },
    { path: SCHEMA_FILE, content: config.jsonSchema },
    ...examples,
    { path: guard, content: withGuardrailTable(read(root, guard)) },
    { path: terraform, content: await terraformReadme(join(root, 'terraform'), read(root, terraform)) },
  ];
}
