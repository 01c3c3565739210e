import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createScratchDatabase,
  dropScratchDatabase,
  restoreDump,
  runAssertions,
  scratchDatabaseName,
  withScratchDatabase,
} from '../../../../shared/adapters/databases/index.js';
import { loaderName } from '../../../../shared/adapters/databases/scratch-loader.js';
import { adminSql, databaseExists, MYSQL_URL, mysqlDump, otherDatabase, PG_URL, pgDump, suffix } from './seed.js';

const undo: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of undo.splice(0).reverse()) await fn().catch(() => undefined);
});

describe('scratch database loaders', () => {
  it('makes a PostgreSQL loader that owns the database and nothing more, and drops it with the database', async () => {
    const name = scratchDatabaseName(`t${suffix()}`);
    const server = { engine: 'postgres' as const, url: PG_URL };
    const db = await createScratchDatabase(server, name);
    undo.push(() => dropScratchDatabase(server, name));
    expect(db.loader).toBe(loaderName(name));
    expect(new URL(db.url).username).toBe(db.loader);
    expect(await adminSql('postgres', `SELECT datdba::regrole FROM pg_database WHERE datname = '${name}'`)).toEqual([
      db.loader,
    ]);
    expect(
      await adminSql(
        'postgres',
        `SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = '${db.loader}'`,
      ),
    ).toEqual(['f|f|f']);
    await dropScratchDatabase(server, name);
    expect(await adminSql('postgres', `SELECT 1 FROM pg_roles WHERE rolname = '${db.loader}'`)).toEqual([]);
  });

  it.each([
    ['postgres', PG_URL, `SELECT 1 FROM pg_roles WHERE rolname = '%s'`],
    ['mysql', MYSQL_URL, `SELECT 1 FROM mysql.user WHERE user = '%s'`],
  ] as const)('leaves no %s loader behind when the database cannot be created', async (engine, url, query) => {
    const name = scratchDatabaseName(`t${suffix()}`);
    // Any CREATE DATABASE failure: here the name is taken, as after a create that timed out but landed.
    await adminSql(engine, `CREATE DATABASE ${name}`);
    undo.push(() => adminSql(engine, `DROP DATABASE IF EXISTS ${name}`));
    await expect(createScratchDatabase({ engine, url }, name)).rejects.toThrow(/cannot create scratch database/);
    expect(await adminSql(engine, query.replace('%s', loaderName(name)))).toEqual([]);
  });

  it('makes a MySQL loader granted that one database only, and drops it with the database', async () => {
    const name = scratchDatabaseName(`t${suffix()}`);
    const server = { engine: 'mysql' as const, url: MYSQL_URL };
    const db = await createScratchDatabase(server, name);
    undo.push(() => dropScratchDatabase(server, name));
    const grants = await adminSql('mysql', `SHOW GRANTS FOR '${db.loader}'@'%'`);
    expect(grants).toHaveLength(2);
    // Batch output doubles backslashes; the grant escapes `_` so it names this database alone, no pattern.
    expect(grants[1]?.replaceAll('\\\\', '\\')).toContain(`ON \`${name.replaceAll('_', '\\_')}\`.*`);
    await dropScratchDatabase(server, name);
    expect(await adminSql('mysql', `SELECT User FROM mysql.user WHERE User = '${db.loader}'`)).toEqual([]);
  });

  it('refuses to restore when the PostgreSQL scratch user may not create roles, creating nothing', async () => {
    // With CREATEDB alone a dump could `COMMIT; DROP DATABASE <any database that user owns> WITH (FORCE)`.
    const user = `opsfn_lim_${suffix()}`;
    await adminSql('postgres', `CREATE ROLE ${user} LOGIN CREATEDB`);
    undo.push(() => adminSql('postgres', `DROP ROLE IF EXISTS ${user}`));
    const server = { engine: 'postgres' as const, url: `postgres://${user}@127.0.0.1:5432/postgres` };
    const name = scratchDatabaseName(`t${suffix()}`);
    let ran = false;
    const attempt = withScratchDatabase(server, name, async () => {
      ran = true;
    });
    await expect(attempt).rejects.toMatchObject({
      phase: 'refused',
      message: expect.stringMatching(/no loader login could own .*the scratch user may not create roles.*CREATEROLE/),
    });
    expect(ran).toBe(false);
    expect(await databaseExists('postgres', name)).toBe(false);
  });

  it('refuses to restore when the MySQL scratch user may not create users, so no dump runs with its rights', async () => {
    const user = `opsfn_lim_${suffix()}`;
    const other = await otherDatabase('mysql');
    undo.push(() => other.drop());
    // Broad enough to write any database, but no CREATE USER: a dump's `EXECUTE IMMEDIATE 'DROP DATABASE …'`
    // or `ALTER TABLE t RENAME other.t` would reach `other`, whatever a scan of its text stops.
    await adminSql(
      'mysql',
      `CREATE USER '${user}'@'%'; GRANT SELECT, INSERT, CREATE, DROP, ALTER ON *.* TO '${user}'@'%'`,
    );
    undo.push(() => adminSql('mysql', `DROP USER IF EXISTS '${user}'@'%'`));
    const server = { engine: 'mysql' as const, url: `mysql://${user}@127.0.0.1:3306/` };
    const dump = (await mysqlDump(5, { gzip: false })).toString('latin1');
    const name = scratchDatabaseName(`t${suffix()}`);
    const text = `${dump}EXECUTE IMMEDIATE 'DROP DATABASE ${other.name}';\n`;
    const attempt = withScratchDatabase(server, name, (db) =>
      restoreDump(Readable.from([Buffer.from(text, 'latin1')]), db, { timeoutMs: 30_000 }),
    );
    await expect(attempt).rejects.toMatchObject({
      phase: 'refused',
      message: expect.stringMatching(/may not create users/),
    });
    expect(await other.tables()).toEqual(['canary']);
    expect(await databaseExists('mysql', name)).toBe(false);
  });
});

describe('scratch users with the grants the README documents', () => {
  it.each(['postgres', 'mysql'] as const)('restore on %s through a loader and drop everything', async (engine) => {
    const user = `opsfn_sc_${suffix()}`;
    if (engine === 'postgres') {
      await adminSql('postgres', `CREATE ROLE ${user} LOGIN CREATEDB CREATEROLE`);
      undo.push(() => adminSql('postgres', `DROP ROLE IF EXISTS ${user}`));
    } else {
      await adminSql(
        'mysql',
        `CREATE USER '${user}'@'%'; GRANT CREATE USER ON *.* TO '${user}'@'%'; GRANT ALL PRIVILEGES ON \`opsfn\\_restore\\_%\`.* TO '${user}'@'%' WITH GRANT OPTION`,
      );
      undo.push(() => adminSql('mysql', `DROP USER IF EXISTS '${user}'@'%'`));
    }
    const server = {
      engine,
      url: engine === 'postgres' ? `postgres://${user}@127.0.0.1:5432/postgres` : `mysql://${user}@127.0.0.1:3306/`,
    };
    const name = scratchDatabaseName(`t${suffix()}`);
    const dump = await (engine === 'postgres' ? pgDump : mysqlDump)(10);
    const results = await withScratchDatabase(server, name, async (db) => {
      expect(db.loader).toBe(loaderName(name));
      await restoreDump(Readable.from([dump]), db, { timeoutMs: 30_000, stripOwnership: true });
      return runAssertions(db, [{ sql: 'SELECT count(*) FROM conversations', equals: 10 }]);
    });
    expect(results[0]?.status).toBe('ok');
    expect(await databaseExists(engine, name)).toBe(false);
    const loaders =
      engine === 'postgres'
        ? await adminSql('postgres', `SELECT 1 FROM pg_roles WHERE rolname = '${loaderName(name)}'`)
        : await adminSql('mysql', `SELECT 1 FROM mysql.user WHERE User = '${loaderName(name)}'`);
    expect(loaders).toEqual([]);
  });
});
