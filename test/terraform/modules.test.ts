import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { references, stringLeaves } from './load-terraform.js';
import { byDir, functionModule, loaded, modules, name, root, TF } from './repo-terraform.js';

const META_ARGUMENTS = new Set(['source', 'for_each', 'count', 'depends_on', 'providers', 'version']);

describe('terraform modules', () => {
  it('parses every .tf file', () => {
    expect(loaded.error).toBeUndefined();
    expect(root?.files).toEqual(expect.arrayContaining(['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf']));
    expect(functionModule?.files).toEqual(expect.arrayContaining(['main.tf', 'variables.tf', 'outputs.tf']));
    expect(modules.some((m) => m.dir.startsWith(join(TF, 'examples')))).toBe(true);
  });

  it.each(modules.map((m) => [name(m), m] as const))(
    '%s declares every var it uses, with type and description',
    (_, m) => {
      const used = references(m.text, 'var');
      expect([...used].filter((v) => !(v in m.variables))).toEqual([]);
      expect(Object.keys(m.variables).filter((v) => !used.has(v))).toEqual([]);
      for (const [variable, body] of Object.entries(m.variables)) {
        expect(body.type, `${name(m)}: variable ${variable} has no type`).toBeTypeOf('string');
        expect(String(body.description ?? ''), `${name(m)}: variable ${variable} has no description`).not.toBe('');
      }
    },
  );

  it.each(modules.map((m) => [name(m), m] as const))('%s declares every local and module it references', (_, m) => {
    expect([...references(m.text, 'local')].filter((l) => !(l in m.locals))).toEqual([]);
    expect([...references(m.text, 'module')].filter((l) => !(l in m.modules))).toEqual([]);
  });

  it.each(modules.map((m) => [name(m), m] as const))(
    '%s references only resources, data sources and module outputs it declares',
    (_, m) => {
      const unknown: string[] = [];
      for (const [, type, label] of m.text.matchAll(
        /(?<![\w.])(google_[a-z0-9_]+)\.([a-z_][a-z0-9_]*)(?=[.[\s,)\]])/g,
      )) {
        if (type && label && !m.resources[type]?.[label]) unknown.push(`${type}.${label}`);
      }
      for (const [, type, label] of m.text.matchAll(/(?<![\w.])data\.([a-z0-9_]+)\.([a-z_][a-z0-9_]*)/g)) {
        if (type && label && !m.data[type]?.[label]) unknown.push(`data.${type}.${label}`);
      }
      for (const [, call, output] of m.text.matchAll(
        /(?<![\w.])module\.([a-z_][a-z0-9_]*)(?:\[[^\]]*\])?\.([a-z_][a-z0-9_]*)/g,
      )) {
        const target = call ? byDir.get(resolve(m.dir, String(m.modules[call]?.source))) : undefined;
        if (!output || !target?.outputs[output]) unknown.push(`module.${call}.${output}`);
      }
      for (const [, output] of m.text.matchAll(/\bfn\.([a-z_][a-z0-9_]*)/g)) {
        if (output && !functionModule?.outputs[output]) unknown.push(`fn.${output}`);
      }
      expect(unknown).toEqual([]);
    },
  );

  it.each(modules.map((m) => [name(m), m] as const))(
    '%s passes each module call exactly the inputs it declares',
    (_, m) => {
      for (const [call, body] of Object.entries(m.modules)) {
        const target = byDir.get(resolve(m.dir, String(body.source)));
        if (!target) expect.fail(`${name(m)}: module ${call} has no local source ${String(body.source)}`);
        const passed = Object.keys(body).filter((key) => !META_ARGUMENTS.has(key));
        expect(
          passed.filter((key) => !(key in target.variables)),
          `${call}: unknown inputs`,
        ).toEqual([]);
        const required = Object.entries(target.variables)
          .filter(([, v]) => !('default' in v))
          .map(([key]) => key);
        expect(
          required.filter((key) => !passed.includes(key)),
          `${call}: missing inputs`,
        ).toEqual([]);
      }
    },
  );

  it.each(modules.map((m) => [name(m), m] as const))(
    '%s bounds every provider version and Terraform itself',
    (_, m) => {
      for (const block of m.terraform) {
        if (block.required_version !== undefined) {
          expect(String(block.required_version)).toMatch(/(>=|~>).*(<|~>)|~>/);
        }
        for (const providers of (block.required_providers ?? []) as Record<string, { version?: string }>[]) {
          for (const [provider, spec] of Object.entries(providers)) {
            const version = String(spec.version ?? '');
            expect(version, `${name(m)}: ${provider} version "${version}" is not bounded`).toMatch(
              /^(?=.*(>=|~>|=\s*\d))(?=.*(<|~>))/,
            );
            if (provider === 'google') expect(version).toMatch(/>=\s*7\.0.*<\s*8\.0/);
          }
        }
      }
    },
  );

  it.each(modules.map((m) => [name(m), m] as const))('%s hard-codes no project id or secret', (_, m) => {
    for (const [file, parsed] of Object.entries(m.parsed)) {
      for (const leaf of stringLeaves(parsed)) {
        const where = `${name(m)}/${file}: ${leaf.path.join('.')}`;
        expect(leaf.value, where).not.toMatch(/projects\/[a-z][a-z0-9-]{4,28}[a-z0-9](?![\w-])/);
        expect(leaf.value, where).not.toMatch(
          /-----BEGIN|AIza[0-9A-Za-z_-]{35}|AKIA[0-9A-Z]{16}|xox[abpr]-|hooks\.slack\.com\/services\//,
        );
        const attribute = leaf.path.at(-1) ?? '';
        if (
          /^(project|project_id)$/.test(attribute) ||
          /(password|secret_data|auth_string|api_key|private_key)$/.test(attribute)
        ) {
          expect(leaf.value, `${where} is a literal`).toMatch(/\$\{/);
        }
      }
    }
    expect(m.text).not.toMatch(/businessexchange-468413/);
    for (const [variable, body] of Object.entries(m.variables)) {
      if (body.sensitive === true) expect(body.default ?? null, `${variable} has a sensitive default`).toBeNull();
    }
  });
});
