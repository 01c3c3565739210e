import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupVerify } from '../../../functions/backup-verify/handler.js';
import type { BackupResult } from '../../../functions/backup-verify/types.js';
import { runForTest } from '../../../shared/testing/index.js';
import {
  adminSql,
  databasesLike,
  MYSQL_URL,
  mysqlDump,
  otherDatabase,
  PG_URL,
  pgDump,
  suffix,
} from '../../shared/adapters/databases/seed.js';
import { captureLogs, testEstate } from '../../support/estate.js';
import { recordingNotifier } from '../../support/recording-notifier.js';
import { detail, tempDir } from './fixtures.js';

type Engine = 'postgres' | 'mysql';
const sfx = suffix();
const marker = `/tmp/opsfn-pwned-${sfx}`;
const evilRole = `opsfn_evil_${sfx}`;
const others: Partial<Record<Engine, Awaited<ReturnType<typeof otherDatabase>>>> = {};
const clean: Partial<Record<Engine, string>> = {};
let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  tmp = await tempDir();
  for (const engine of ['postgres', 'mysql'] as const) {
    others[engine] = await otherDatabase(engine);
    clean[engine] = (await (engine === 'postgres' ? pgDump : mysqlDump)(5, { gzip: false })).toString('latin1');
  }
});
afterAll(async () => {
  await tmp.remove();
  for (const other of Object.values(others)) await other?.drop();
  await adminSql('postgres', `DROP ROLE IF EXISTS ${evilRole}`);
});

/** Runs backupVerify on a dump made of a clean dump with `attack` after its data; the attack's first line. */
async function restoreHostile(engine: Engine, attack: string) {
  const text = `${clean[engine]}${attack}\nCREATE TABLE after_attack (a int);\n`;
  const line = text.split('\n').lastIndexOf(attack.split('\n')[0] ?? '') + 1;
  const name = `b${suffix()}`;
  await tmp.put(`${name}/dump.sql`, Buffer.from(text, 'latin1'));
  const logs = captureLogs();
  const notifier = recordingNotifier();
  const runId = `t${suffix()}`;
  process.env.OPSFN_TEST_SECRET = `hunter2-${sfx}`;
  const { envelope } = await runForTest(
    backupVerify,
    { kind: 'manual', id: `m-${suffix()}`, payload: {}, caller: 'token:0' },
    {
      estate: testEstate({
        backups: {
          [name]: {
            kind: 'object-store',
            url: `file://${tmp.dir}/${name}/`,
            restoreTest: { scratch: engine === 'postgres' ? { postgres: PG_URL } : { mysql: MYSQL_URL } },
          },
        } as never,
      }),
      runId,
      notifier,
      logSink: logs.sink,
    },
  ).finally(() => {
    delete process.env.OPSFN_TEST_SECRET;
  });
  const [item] = envelope.items as BackupResult[];
  return { item, line, runId, name, envelope, logs, notifier };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe.each([
  ['postgres', `\\! touch ${marker}`, /refused at line \d+: psql meta-command refused/],
  ['postgres', `\\o ${marker}\nSELECT 'written';`, /refused at line \d+: psql meta-command refused/],
  ['postgres', '\\connect OTHER\nCREATE TABLE pwned (a int);', /refused at line \d+: psql meta-command refused/],
  ['postgres', `\\getenv leaked OPSFN_TEST_SECRET\n\\echo :leaked`, /refused at line \d+: psql meta-command refused/],
  [
    'postgres',
    `COPY (SELECT 1) TO PROGRAM 'touch ${marker}';`,
    /refused at line \d+: insufficient privilege \(SQLSTATE 42501\)/,
  ],
  ['postgres', `CREATE ROLE ${evilRole} SUPERUSER;`, /refused at line \d+: insufficient privilege \(SQLSTATE 42501\)/],
  ['postgres', `\\unrestrict OWNKEY\n\\! touch ${marker}`, /refused at line \d+: psql meta-command refused/],
  ['mysql', `\\! touch ${marker}`, /refused at line \d+: client command refused/],
  ['mysql', `system touch ${marker}`, /failed at line \d+: syntax error \(error 1064\/42000\)/],
  ['mysql', 'USE OTHER;\nCREATE TABLE pwned (a int);', /refused at line \d+: USE OTHER: another database/],
  ['mysql', 'CREATE TABLE OTHER.pwned (a int);', /refused at line \d+: OTHER\.pwned names another database/],
  [
    'mysql',
    'CREATE TABLE copied LIKE OTHER.canary;',
    /refused at line \d+: command denied on a table of another database/,
  ],
  ['mysql', `SELECT 1 INTO OUTFILE '${marker}';`, /refused at line \d+: INTO OUTFILE writes a file/],
] as const)('backupVerify restoring a %s dump with `%s`', (engine, template, said) => {
  it('contains it: reported as fail at its line, audited, nothing outside the scratch database touched', async () => {
    const other = others[engine];
    const ownKey = /^\\restrict (\S+)$/m.exec(clean[engine] ?? '')?.[1] ?? 'none';
    const attack = template.replaceAll('OTHER', other?.name ?? '').replaceAll('OWNKEY', ownKey);
    const { item, line, runId, name, envelope, logs } = await restoreHostile(engine, attack);
    expect(item?.status).toBe('fail');
    const restore = detail(item, 'restore');
    expect(restore.replace(other?.name ?? '', 'OTHER')).toMatch(said);
    // The dump's own `\unrestrict` line is blanked, so psql stops at the command after it.
    expect(restore).toContain(`at line ${template.startsWith('\\unrestrict') ? line + 1 : line}:`);
    expect(await exists(marker)).toBe(false);
    expect(await other?.tables()).toEqual(['canary']);
    expect(await other?.canary()).toEqual(['alive']);
    expect(await adminSql('postgres', `SELECT 1 FROM pg_roles WHERE rolname = '${evilRole}'`)).toEqual([]);
    expect(JSON.stringify(envelope)).not.toContain(`hunter2-${sfx}`);
    expect(await databasesLike(engine, runId)).toEqual([]);
    const audits = logs.audits();
    expect(audits).toContainEqual(
      expect.objectContaining({
        decision: 'decided',
        target: `backup:${name}`,
        outcome: 'fail',
        reason: expect.stringContaining(`restore fail: ${restore}`),
      }),
    );
    for (const action of ['backupVerify.create-scratch-database', 'backupVerify.drop-scratch-database'])
      expect(audits.filter((a) => a.action === action).map((a) => a.decision)).toEqual(['intent', 'done']);
  });
});

describe('a failed restore', () => {
  it.each([
    [
      'postgres',
      (secret: string) => `COPY public.conversations (id, title) FROM stdin;\n${secret}\tx\n\\.`,
      'invalid text representation (SQLSTATE 22P02)',
    ],
    [
      'mysql',
      (secret: string) => `INSERT INTO conversations VALUES (1, '${secret}');`,
      'duplicate key (error 1062/23000)',
    ],
  ] as const)('on %s tells the line and the error code, never the row values', async (engine, attack, said) => {
    const secret = `secret-row-${suffix()}`;
    const { item, line, envelope, logs, notifier } = await restoreHostile(engine, attack(secret));
    // psql names the line that ends the COPY block; the MariaDB client the statement's.
    const stop = engine === 'postgres' ? line + 2 : line;
    expect(detail(item, 'restore')).toContain(`failed at line ${stop}: ${said}`);
    expect(JSON.stringify(envelope)).not.toContain(secret);
    expect(logs.lines.join('\n')).not.toContain(secret);
    expect(notifier.sent).toHaveLength(1);
    expect(JSON.stringify(notifier.sent)).not.toContain(secret);
  });
});
