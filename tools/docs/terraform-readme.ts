import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { replaceMarked } from './markers.js';
import { cell } from './schema-text.js';

type Block = Record<string, unknown>;

/** The marker name of the generated inputs and outputs in terraform/README.md. */
export const TERRAFORM_MARKER = 'terraform-io';

function blocksOf(parsed: Record<string, unknown>, kind: 'variable' | 'output'): [string, Block][] {
  const byName = (parsed[kind] ?? {}) as Record<string, Block[]>;
  return Object.entries(byName)
    .map(([name, blocks]): [string, Block] => [name, blocks[0] ?? {}])
    .sort(([a], [b]) => a.localeCompare(b));
}

// hcl2json writes a type as an interpolation (`${map(object({ … }))}`): keep its shape, not its fields.
function typeText(raw: unknown): string {
  let text = String(raw ?? 'any')
    .replace(/^\$\{|\}$/g, '')
    .replace(/\s+/g, ' ');
  let previous = '';
  while (previous !== text) {
    previous = text;
    text = text.replace(/object\(\{[^{}]*\}\)/g, 'object');
  }
  return text;
}

function defaultText(block: Block, file: string): string {
  if (!('default' in block)) return '*required*';
  const text = JSON.stringify(block.default);
  return text.length > 48 ? `see \`${file}\`` : `\`${text}\``;
}

function inputsTable(file: string, variables: [string, Block][]): string[] {
  const lines = [`\`${file}\``, '', '| input | type | default | description |', '|---|---|---|---|'];
  for (const [name, block] of variables) {
    const sensitive = block.sensitive === true ? ' (sensitive)' : '';
    const description = `${String(block.description ?? '')}${sensitive}`;
    lines.push(
      `| \`${name}\` | \`${cell(typeText(block.type))}\` | ${cell(defaultText(block, file))} | ${cell(description)} |`,
    );
  }
  return [...lines, ''];
}

/** The inputs (one table per `variables*.tf`, `variables.tf` first) and outputs of the module in `dir`. */
export async function terraformTables(dir: string): Promise<string> {
  const files = readdirSync(dir)
    .filter((name) => /^variables.*\.tf$/.test(name))
    .sort((a, b) => (a === 'variables.tf' ? -1 : b === 'variables.tf' ? 1 : a.localeCompare(b)));
  const lines = ['### Inputs', ''];
  for (const file of files) {
    const parsed = (await parse(file, readFileSync(join(dir, file), 'utf8'))) as Record<string, unknown>;
    lines.push(...inputsTable(file, blocksOf(parsed, 'variable')));
  }
  const outputs = (await parse('outputs.tf', readFileSync(join(dir, 'outputs.tf'), 'utf8'))) as Record<string, unknown>;
  lines.push('### Outputs', '', '| output | description |', '|---|---|');
  for (const [name, block] of blocksOf(outputs, 'output')) {
    const sensitive = block.sensitive === true ? ' (sensitive)' : '';
    lines.push(`| \`${name}\` | ${cell(`${String(block.description ?? '')}${sensitive}`)} |`);
  }
  return lines.join('\n');
}

/** terraform/README.md with its inputs and outputs tables generated from the `.tf` files beside it. */
export async function terraformReadme(dir: string, readme: string): Promise<string> {
  return replaceMarked(readme, TERRAFORM_MARKER, await terraformTables(dir), 'variables*.tf and outputs.tf');
}
