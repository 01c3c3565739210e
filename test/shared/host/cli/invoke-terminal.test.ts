import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { formatEnvelope } from '../../../../shared/host/cli/format.js';
import { main } from '../../../../shared/host/cli/main.js';
import { estate } from '../../../support/catalogue.js';
import { captureIo } from '../../../support/cli-io.js';

const config = join(mkdtempSync(join(tmpdir(), 'opsfn-cli-tty-')), 'estate.yaml');
writeFileSync(config, 'estate: tty-test\n');

// A long job that reports its progress and ends with one item per thing it looked at.
const verify = defineFunction({
  name: 'verify',
  description: '',
  triggers: ['manual'],
  input: z.object({}),
  async run(ctx) {
    for (const n of [1, 2, 3]) ctx.progress(`backups verified ${n}/3`);
    ctx.log.warn('one backup is older than its RPO');
    return {
      outcome: 'warn',
      summary: '3 backups: 2 ok, 1 warn',
      items: [
        { backup: 'orders', status: 'ok', ageHours: 2 },
        { backup: 'invoices', status: 'ok', ageHours: 3 },
        { backup: 'audit-log', status: 'warn', ageHours: 30 },
      ],
    };
  },
});

function terminal(tty: boolean) {
  const io = { ...captureIo(), tty };
  return { io, run: (argv: string[]) => main(argv, { functions: [verify], estate, io }) };
}

describe('opsfn invoke for a person at a terminal', () => {
  it('redraws one progress line, keeps the audit JSON off stderr and ends with a table', async () => {
    const { io, run } = terminal(true);
    expect(await run(['invoke', 'verify', '--config', config])).toBe(0);
    expect(io.stderr()).toContain('\r\x1b[2Kbackups verified 2/3');
    expect(io.stderr()).not.toContain('"audit":true');
    expect(io.stderr()).toContain('warning: one backup is older than its RPO\n');
    const out = io.stdout().split('\n');
    expect(out[0]).toBe('verify WARN: 3 backups: 2 ok, 1 warn');
    expect(out).toContain('  BACKUP     STATUS  AGEHOURS');
    expect(out).toContain('  audit-log  warn    30');
  });

  it('writes the audit JSON lines to stderr with --log json, or when stderr is not a terminal', async () => {
    const tty = terminal(true);
    expect(await tty.run(['invoke', 'verify', '--config', config, '--log', 'json'])).toBe(0);
    expect(tty.io.stderr()).toContain('"audit":true');
    const piped = terminal(false);
    expect(await piped.run(['invoke', 'verify', '--config', config])).toBe(0);
    expect(piped.io.stderr()).toContain('"audit":true');
    expect(piped.io.stderr()).toContain('backups verified 3/3\n');
  });

  it('keeps --json the envelope alone on stdout', async () => {
    const { io, run } = terminal(true);
    expect(await run(['invoke', 'verify', '--config', config, '--json'])).toBe(0);
    expect(JSON.parse(io.stdout())).toMatchObject({
      function: 'verify',
      outcome: 'warn',
      items: [{ backup: 'orders' }, {}, {}],
    });
  });

  it('refuses a --log it does not know', async () => {
    const { io, run } = terminal(true);
    expect(await run(['invoke', 'verify', '--config', config, '--log', 'xml'])).toBe(2);
    expect(io.stderr()).toContain('--log: expected json or text');
  });

  it('lays out actions as a table beside the items', () => {
    const text = formatEnvelope({
      function: 'rollback',
      runId: 'r1',
      trigger: { kind: 'alert', id: 'a' },
      dryRun: false,
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:01.500Z',
      outcome: 'skipped',
      summary: 'refused',
      items: [],
      actions: [{ action: 'rollback', target: 'web', status: 'refused', by: 'cooldown', reason: 'cooling down 12m' }],
      notifications: [],
    });
    expect(text).toContain(
      '  ACTION    TARGET  STATUS   GUARD\n  rollback  web     refused  cooldown: cooling down 12m\n',
    );
    expect(text).toContain('(1.5 s)');
  });
});
