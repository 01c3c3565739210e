import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadTerraform } from './load-terraform.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface Step {
  id: string;
  name: string;
  entrypoint?: string;
  args?: string[];
  waitFor?: string[];
}

const build = parse(readFileSync(join(ROOT, 'cloudbuild.yaml'), 'utf8')) as {
  steps: Step[];
  substitutions: Record<string, string>;
};
const ids = build.steps.map((step) => step.id);
const step = (id: string): Step => {
  const found = build.steps.find((s) => s.id === id);
  if (!found) expect.fail(`cloudbuild.yaml has no step "${id}"`);
  return found;
};
const command = (id: string) => [step(id).entrypoint ?? '', ...(step(id).args ?? [])].join(' ');

describe('cloudbuild.yaml', () => {
  it('runs install, checks, tests, bench smoke and bundles before Terraform', () => {
    expect(command('install')).toMatch(/^npm ci\b/);
    expect(command('lint')).toContain('run lint');
    expect(command('typecheck')).toContain('run typecheck');
    expect(command('test')).toContain('vitest run');
    expect(command('bench-smoke')).toContain('--smoke');
    expect(command('bundle')).toContain('run bundle');
    expect(ids.indexOf('bundle')).toBeLessThan(ids.indexOf('terraform-init'));
    expect(step('bundle').waitFor).toEqual(expect.arrayContaining(['lint', 'typecheck', 'test']));
    expect(step('terraform-plan').waitFor).toEqual(expect.arrayContaining(['terraform-init', 'bench-smoke']));
  });

  it('applies the saved plan only on the main branch, after the plan', () => {
    const apply = command('terraform-apply');
    expect(apply).toMatch(/if \[ "\$\{BRANCH_NAME\}" = "main" \]; then\s+terraform .*apply .*tfplan/);
    expect(step('terraform-apply').waitFor).toEqual(['terraform-plan']);
    expect(command('terraform-plan')).toContain('-out=tfplan');
    for (const id of ids.filter((i) => i !== 'terraform-apply')) expect(command(id)).not.toMatch(/\bapply\b/);
  });

  it('plans a Terraform root module and sets each of its required variables', async () => {
    const dir = build.substitutions._TF_DIR ?? '';
    expect(existsSync(join(ROOT, dir, 'main.tf'))).toBe(true);
    const [module] = (await loadTerraform(join(ROOT, dir))).filter((m) => m.dir === join(ROOT, dir));
    const required = Object.entries(module?.variables ?? {})
      .filter(([, body]) => !('default' in body))
      .map(([name]) => name);
    const passed = [...command('terraform-plan').matchAll(/-var=([a-z_]+)=/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((name) => !passed.includes(name))).toEqual([]);
  });
});
