import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeEstateSchema } from '../../../../shared/core/config/compose.js';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import type { CliCommand } from '../../../../shared/host/cli/command.js';
import { main } from '../../../../shared/host/cli/main.js';
import { captureIo } from '../../../support/cli-io.js';

// What functions add to the CLI: flags of `opsfn invoke <name>` and whole commands.

const config = join(mkdtempSync(join(tmpdir(), 'opsfn-cli-contributed-')), 'opsfn.yaml');
writeFileSync(config, 'estate: cli-contributed\n');
const estate = composeEstateSchema([]);

const echo = defineFunction({
  name: 'echo',
  description: 'returns its payload',
  triggers: ['manual'],
  input: z.strictObject({ plan: z.optional(z.string()), quick: z.optional(z.boolean()) }),
  flags: [
    { flag: 'plan', field: 'plan', type: 'string', value: 'NAME' },
    { flag: 'quick', field: 'quick', type: 'boolean' },
  ],
  run: async (_ctx, input) => ({ outcome: 'ok', summary: JSON.stringify(input ?? {}) }),
});
const plain = defineFunction({
  name: 'plain',
  description: 'takes no flags',
  triggers: ['manual'],
  input: z.strictObject({}),
  run: async () => ({ outcome: 'ok', summary: 'plain' }),
});

function cli(commands: CliCommand[] = []) {
  const io = captureIo();
  return { io, run: (argv: string[]) => main(argv, { functions: [echo, plain], commands, estate, io }) };
}

describe('flags a function declares for opsfn invoke', () => {
  it('sets the payload fields they name, whatever their place among the other flags', async () => {
    const { io, run } = cli();
    expect(await run(['invoke', '--plan', 'quarterly', 'echo', '--quick', '--config', config, '--json'])).toBe(0);
    expect(JSON.parse(io.stdout())).toMatchObject({ summary: '{"plan":"quarterly","quick":true}' });
  });

  it('refuses them for a function that does not declare them, naming the usage', async () => {
    const { io, run } = cli();
    expect(await run(['invoke', 'plain', '--plan', 'quarterly', '--config', config])).toBe(2);
    expect(io.stderr()).toMatch(/opsfn: .*--plan/);
  });

  it('lists them in the usage, one line per function that has any', async () => {
    const { io, run } = cli();
    expect(await run(['help'])).toBe(0);
    expect(io.stdout()).toContain('opsfn invoke    echo [--plan NAME] [--quick]\n');
    expect(io.stdout()).not.toMatch(/invoke {4}plain/);
  });
});

describe('commands a function contributes', () => {
  it('get their own arguments as given, with --config taken for the runtime they run with', async () => {
    const seen: string[][] = [];
    const record: CliCommand = {
      name: 'record',
      usage: 'opsfn record <thing> [--reason TEXT] [--json]',
      run: async (runtime, args) => {
        seen.push([runtime.config.estate, ...args]);
        return 0;
      },
    };
    const { io, run } = cli([record]);
    expect(await run(['record', 'web', '--reason', 'fix deployed', '--config', config, '--json'])).toBe(0);
    expect(await run(['record', `--config=${config}`, 'api'])).toBe(0);
    expect(seen).toEqual([
      ['cli-contributed', 'web', '--reason', 'fix deployed', '--json'],
      ['cli-contributed', 'api'],
    ]);
    expect(await run(['help'])).toBe(0);
    expect(io.stdout()).toContain('  opsfn record <thing> [--reason TEXT] [--json]\n');
  });
});
