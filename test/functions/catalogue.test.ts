import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliCatalogue, type FunctionDescriptor, loadCatalogue } from '../../functions/catalogue.js';
import { registry } from '../../functions/registry.js';
import type { CliScope } from '../../shared/host/cli/catalogue.js';
import { main } from '../../shared/host/cli/main.js';
import { captureIo } from '../support/cli-io.js';

const dir = mkdtempSync(join(tmpdir(), 'opsfn-catalogue-'));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
// A bad drills section: certExpiry does not read it, drDrill and `config validate` do.
const badDrills = write('bad-drills.yaml', 'estate: catalogue\ndrills:\n  q3: { steps: "not a list" }\n');

/** A catalogue over the registry that records what each command asked it to load. */
function recording() {
  const scopes: CliScope[] = [];
  const inner = cliCatalogue(registry);
  const load = (scope: CliScope) => {
    scopes.push(scope);
    return inner.load(scope);
  };
  const catalogue = { ...inner, load };
  return { scopes, catalogue };
}

describe('the registry as the CLI loads it', () => {
  it('lists each function’s invoke flags and commands exactly as its definition and commands declare them', async () => {
    const loaded = await loadCatalogue(registry);
    for (const d of registry) {
      const definition = loaded.functions.find((f) => f.name === d.name);
      expect(d.flags ?? [], d.name).toEqual(definition?.flags ?? []);
      const commands = (await d.loadCommands?.()) ?? [];
      expect(d.commands ?? [], d.name).toEqual(commands.map((c) => ({ name: c.name, usage: c.usage })));
    }
  });

  it('prints the usage without loading any function', async () => {
    const { scopes, catalogue } = recording();
    const io = captureIo();
    expect(await main(['--help'], { catalogue, io })).toBe(0);
    expect(io.stdout()).toContain('opsfn invoke    drDrill [--plan NAME]');
    expect(io.stdout()).toContain('opsfn sweep ');
    expect(scopes).toEqual([]);
  });

  it('loads only the invoked function, which runs beside a section it does not read that is invalid', async () => {
    const { scopes, catalogue } = recording();
    const io = captureIo();
    expect(await main(['invoke', 'certExpiry', '--config', badDrills, '--json'], { catalogue, io })).toBe(0);
    expect(JSON.parse(io.stdout())).toMatchObject({ function: 'certExpiry', outcome: 'skipped' });
    expect(scopes).toEqual([{ functions: ['certExpiry'] }]);
  });

  it('checks the sections a function reads besides its own, and every section in config validate', async () => {
    const drill = captureIo();
    expect(
      await main(['invoke', 'drDrill', '--config', badDrills], { catalogue: cliCatalogue(registry), io: drill }),
    ).toBe(2);
    expect(drill.stderr()).toContain('drills.q3');
    const validate = captureIo();
    expect(await main(['config', 'validate', badDrills], { catalogue: cliCatalogue(registry), io: validate })).toBe(2);
    expect(validate.stderr()).toContain('drills.q3');
  });

  it('refuses an unknown function before loading anything, naming the registered ones', async () => {
    const { scopes, catalogue } = recording();
    const io = captureIo();
    expect(await main(['invoke', 'nope', '--config', badDrills], { catalogue, io })).toBe(2);
    expect(io.stderr()).toContain('known: backupVerify, certExpiry');
    expect(scopes).toEqual([]);
  });

  it('still refuses keys no function owns when it loads one function', async () => {
    const typo = write('typo.yaml', 'estate: catalogue\ncertificate: {}\n');
    const io = captureIo();
    expect(await main(['invoke', 'certExpiry', '--config', typo], { catalogue: cliCatalogue(registry), io })).toBe(2);
    expect(io.stderr()).toContain('certificate');
  });

  it('loads the sections a function reads with its own, and allows the rest unchecked', async () => {
    const drDrill = registry.find((d) => d.name === 'drDrill') as FunctionDescriptor;
    const { sections, functions, estate } = await loadCatalogue(registry, [drDrill]);
    expect(functions.map((f) => f.name)).toEqual(['drDrill']);
    expect(sections.map((s) => s.key).sort()).toEqual(['backups', 'drills']);
    expect(estate.safeParse({ health: 'anything at all' }).success).toBe(true);
    expect(estate.safeParse({ backups: 'not a record' }).success).toBe(false);
  });
});
