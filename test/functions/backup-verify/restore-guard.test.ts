import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBackupVerifyDeps } from '../../../functions/backup-verify/deps.js';
import { backupVerify, createBackupVerify } from '../../../functions/backup-verify/handler.js';
import type { BackupResult } from '../../../functions/backup-verify/types.js';
import { scratchDatabaseName } from '../../../shared/adapters/databases/connection.js';
import { createScratchDatabase, dropScratchDatabase } from '../../../shared/adapters/databases/scratch.js';
import type { ResultEnvelope } from '../../../shared/core/run/types.js';
import { main } from '../../../shared/host/cli/main.js';
import { runForTest } from '../../../shared/testing/index.js';
import {
  databaseExists,
  databasesLike,
  MYSQL_URL,
  mysqlDump,
  PG_URL,
  pgDump,
  suffix,
} from '../../shared/adapters/databases/seed.js';
import { commands, estate, functions } from '../../support/catalogue.js';
import { captureIo } from '../../support/cli-io.js';
import { captureLogs, testEstate } from '../../support/estate.js';
import { detail, tempDir } from './fixtures.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
const prefix = `opsfn-restore-guard-${suffix()}:`;
beforeAll(async () => {
  tmp = await tempDir();
  await tmp.put('pg/app.sql', await pgDump(5, { gzip: false }));
  await tmp.put(
    'pg-sleep/app.sql',
    Buffer.concat([await pgDump(5, { gzip: false }), Buffer.from('SELECT pg_sleep(40);\n')]),
  );
  await tmp.put(
    'my-sleep/app.sql',
    Buffer.concat([await mysqlDump(5, { gzip: false }), Buffer.from('SELECT SLEEP(40);\n')]),
  );
});
afterAll(async () => {
  await tmp.remove();
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
  await redis.connect();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

/** An estate file whose one backup `pg` restores into the shared PostgreSQL, with state in `state`. */
async function configFile(state: string): Promise<string> {
  const path = join(tmp.dir, `opsfn-${suffix()}.yaml`);
  await writeFile(
    path,
    [
      'estate: restore-guard',
      `state: ${state}`,
      'backups:',
      '  pg:',
      '    kind: object-store',
      `    url: file://${tmp.dir}/pg/`,
      '    restoreTest:',
      `      scratch: { postgres: "${PG_URL}" }`,
      '',
    ].join('\n'),
  );
  return path;
}

async function cli(argv: string[]): Promise<{ code: number; envelope?: ResultEnvelope; stdout: string }> {
  const io = captureIo({ USER: 'oncall' });
  const code = await main(argv, { functions, commands, estate, io });
  const stdout = io.stdout();
  return {
    code,
    stdout,
    ...(stdout.trimStart().startsWith('{') ? { envelope: JSON.parse(stdout) as ResultEnvelope } : {}),
  };
}

/** backupVerify over one backup `b` with a restore test on `scratch`, in-process; its envelope and audit records. */
async function verify(
  dir: string,
  restoreTest: Record<string, unknown>,
  options: {
    payload?: Record<string, unknown>;
    now?: () => Date;
    dryRun?: boolean;
    limits?: Record<string, unknown>;
    /** The scratch server's clock as the sweep reads it; the server's own by default. */
    serverClock?: () => Date;
  } = {},
) {
  const runId = `t${suffix()}`;
  const logs = captureLogs();
  const { serverClock } = options;
  const definition = serverClock
    ? createBackupVerify({ ...defaultBackupVerifyDeps(), scratchClock: async () => serverClock().getTime() })
    : backupVerify;
  const { envelope } = await runForTest(
    definition,
    { kind: 'manual', id: `m-${suffix()}`, payload: options.payload ?? {} },
    {
      estate: testEstate({
        ...(options.limits ? { limits: options.limits } : {}),
        backups: { b: { kind: 'object-store', url: `file://${tmp.dir}/${dir}/`, restoreTest } } as never,
      }),
      runId,
      logSink: logs.sink,
      ...(options.now ? { now: options.now } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
    },
  );
  return { runId, envelope, logs, item: (envelope.items as BackupResult[])[0] };
}

describe('backupVerify restore tests under the guard', () => {
  it('creates no scratch database under `opsfn pause`, and says why', async () => {
    const config = await configFile(`{ redis: "redis://127.0.0.1:6379", prefix: "${prefix}" }`);
    expect((await cli(['pause', '--config', config, '--reason', 'incident 42'])).code).toBe(0);
    try {
      const { envelope } = await cli([
        'invoke',
        'backupVerify',
        '--config',
        config,
        '--json',
        '--payload',
        '{"restore":true}',
      ]);
      const [item] = (envelope?.items ?? []) as BackupResult[];
      expect(detail(item, 'restore')).toMatch(
        /^not restored: creating opsfn_restore_\w+ was refused by kill-switch: paused since .*: incident 42$/,
      );
      expect(item?.checks.find((c) => c.name === 'restore')?.status).toBe('skipped');
      const creates = envelope?.actions.filter((a) => a.action === 'backupVerify.create-scratch-database');
      expect(creates).toEqual([expect.objectContaining({ status: 'refused', by: 'kill-switch' })]);
      expect(await databasesLike('postgres', envelope?.runId ?? 'none')).toEqual([]);
    } finally {
      await cli(['resume', '--config', config]);
    }
  });

  it('creates no scratch database with the state store down, and says why', async () => {
    const config = await configFile('{ redis: "redis://127.0.0.1:1", prefix: "down:" }');
    const { envelope } = await cli(['invoke', 'backupVerify', '--config', config, '--json']);
    const [item] = (envelope?.items ?? []) as BackupResult[];
    expect(detail(item, 'restore')).toMatch(/was refused by state-unavailable: state store unavailable/);
    expect(item?.checks.find((c) => c.name === 'restore')?.status).toBe('warn');
    expect(envelope).toMatchObject({ state: 'unavailable', error: { status: 503 } });
    expect(await databasesLike('postgres', envelope?.runId ?? 'none')).toEqual([]);
  });

  it.each([
    ['pg-sleep', { postgres: PG_URL }, 'postgres'],
    ['my-sleep', { mysql: MYSQL_URL }, 'mysql'],
  ] as const)(
    'stops a %s restore at restoreTest.timeout: fail: timeout, and the database dropped',
    async (dir, scratch, engine) => {
      const started = Date.now();
      const { runId, item, logs } = await verify(dir, { scratch, timeout: '3s' });
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(detail(item, 'restore')).toMatch(/^timeout: the restore exceeded 3000 ms; opsfn_restore_\w+ dropped$/);
      expect(item?.status).toBe('fail');
      expect(await databasesLike(engine, runId)).toEqual([]);
      expect(
        logs
          .audits()
          .filter((a) => a.action === 'backupVerify.drop-scratch-database')
          .map((a) => a.decision),
      ).toEqual(['intent', 'done']);
    },
  );

  it("stops a restore when the run's time for verifying runs out, drops its database and still reports it", async () => {
    const { runId, envelope, logs, item } = await verify(
      'pg-sleep',
      { scratch: { postgres: PG_URL } },
      { limits: { timeout: '4s' } },
    );
    // Stopped at 3s (the last 1s of limits.timeout is kept to report): the run answers in time, with its item.
    expect(envelope.error).toBeUndefined();
    expect(envelope.outcome).toBe('fail');
    const restore = item?.checks.find((c) => c.name === 'restore');
    expect(restore).toMatchObject({ status: 'fail', data: { unfinished: true } });
    expect(restore?.detail).toMatch(
      /^timeout: the run was stopped \(backupVerify's time ran out: limits\.timeout 4s, of which the last 1s is kept to report every backup\); opsfn_restore_\w+ dropped$/,
    );
    expect(envelope.summary).toMatch(/; not finished in time: b$/);
    expect(String(logs.audits().find((a) => a.decision === 'decided')?.reason)).toContain('restore fail: timeout');
    expect(await databasesLike('postgres', runId)).toEqual([]);
  });

  // Other runs on these shared servers sweep too, on the real clock: the databases here expire two
  // minutes from now, and only these runs, four minutes ahead by their own clock and the server's as
  // the sweep reads it, see them as left behind. Live databases of other runs carry deadlines at least
  // eight minutes out, so these runs keep them.
  const MINUTE = 60_000;
  const later = () => new Date(Date.now() + 4 * MINUTE);
  const server = { engine: 'postgres' as const, url: PG_URL };

  /** Runs `fn` with a scratch database on the shared PostgreSQL whose run ends in two minutes; drops it after. */
  async function withExpiring(label: string, fn: (name: string) => Promise<void>): Promise<void> {
    const name = scratchDatabaseName(`${label}${suffix()}`, 'pg', Date.now() + 2 * MINUTE);
    await createScratchDatabase(server, name);
    try {
      await fn(name);
    } finally {
      await dropScratchDatabase(server, name);
    }
  }

  it("keeps a live database that a run whose clock runs days ahead takes for left behind: the server's clock says not yet", async () => {
    await withExpiring('ahead', async (live) => {
      const { envelope } = await verify(
        'pg',
        { scratch: { postgres: PG_URL } },
        { payload: { sweep: true }, now: () => new Date(Date.now() + 7 * 24 * 60 * MINUTE) },
      );
      expect(envelope.items).toContainEqual({
        server: expect.any(String),
        database: live,
        action: 'kept',
        detail: expect.stringMatching(/by this run's clock but not by the server's \(\d{4}-.*Z\): may be in use$/),
      });
      expect(await databaseExists('postgres', live)).toBe(true);
    });
  });

  it('sweeps a database a crashed run left past its deadline, audited, and keeps one still in its deadline', async () => {
    const crashed = scratchDatabaseName(`crashed${suffix()}`, 'pg', Date.now() + 2 * MINUTE);
    const live = scratchDatabaseName(`live${suffix()}`, 'pg', Date.now() + 60 * MINUTE);
    await createScratchDatabase(server, crashed);
    await createScratchDatabase(server, live);
    try {
      const sweep = async (dryRun: boolean) => {
        const { envelope, logs } = await verify(
          'pg',
          { scratch: { postgres: PG_URL } },
          { payload: { sweep: true }, now: later, serverClock: later, dryRun },
        );
        return { envelope, audits: logs.audits() };
      };
      const dry = await sweep(true);
      expect(dry.envelope.items).toContainEqual(expect.objectContaining({ database: crashed, action: 'dry-run' }));
      expect(await databaseExists('postgres', crashed)).toBe(true);
      const { envelope, audits } = await sweep(false);
      expect(envelope.items).toContainEqual(expect.objectContaining({ database: crashed, action: 'dropped' }));
      expect(envelope.items).toContainEqual(expect.objectContaining({ database: live, action: 'kept' }));
      expect(audits.filter((a) => a.target === crashed).map((a) => [a.action, a.decision])).toEqual([
        ['backupVerify.sweep-scratch-database', 'intent'],
        ['backupVerify.sweep-scratch-database', 'done'],
      ]);
      expect(await databaseExists('postgres', crashed)).toBe(false);
      expect(await databaseExists('postgres', live)).toBe(true);
    } finally {
      await dropScratchDatabase(server, crashed);
      await dropScratchDatabase(server, live);
    }
  });

  it('drops nothing on a server whose clock it cannot read, and says so', async () => {
    await withExpiring('noclock', async (crashed) => {
      const { envelope } = await verify(
        'pg',
        { scratch: { postgres: PG_URL } },
        {
          payload: { sweep: true },
          now: later,
          serverClock: () => {
            throw new Error('clock query timed out');
          },
        },
      );
      expect(envelope.items).toEqual([
        {
          server: 'postgres',
          action: 'failed',
          detail: "cannot read the scratch server's clock: clock query timed out",
        },
      ]);
      expect(envelope.outcome).toBe('fail');
      expect(await databaseExists('postgres', crashed)).toBe(true);
    });
  });

  it('sweeps at the start of every restore run', async () => {
    await withExpiring('crashed', async (crashed) => {
      const { envelope } = await verify('pg', { scratch: { postgres: PG_URL } }, { now: later, serverClock: later });
      expect(envelope.summary).toMatch(/sweep: \d+ left-behind scratch database\(s\) dropped/);
      expect(envelope.sweep).toContainEqual(expect.objectContaining({ database: crashed, action: 'dropped' }));
      expect(await databaseExists('postgres', crashed)).toBe(false);
    });
  });

  it('`opsfn sweep` runs the sweep through the guard and fails when it cannot look', async () => {
    const config = join(tmp.dir, `opsfn-${suffix()}.yaml`);
    await writeFile(
      config,
      `estate: sweep\nbackups:\n  pg:\n    kind: object-store\n    url: file://${tmp.dir}/pg/\n    restoreTest:\n      scratch: { postgres: "postgres://postgres@127.0.0.1:1/postgres" }\n`,
    );
    const { code, envelope } = await cli(['sweep', '--config', config, '--json']);
    expect(code).toBe(1);
    expect(envelope).toMatchObject({
      function: 'backupVerify',
      outcome: 'fail',
      summary: 'sweep: could not look on 1 scratch server(s)',
    });
    expect(envelope?.items).toEqual([
      expect.objectContaining({
        action: 'failed',
        detail: expect.stringMatching(
          /^cannot list scratch databases: scratch server postgres:\/\/127\.0\.0\.1:1 unreachable/,
        ),
      }),
    ]);
  });
});
