import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { type ScanViolation, scanMysqlDump } from '../../../../shared/adapters/databases/mysql-scan.js';
import { mysqlDump } from './seed.js';

const DB = 'opsfn_restore_scan';

async function scan(text: string | Buffer, chunk = 7, stripDefiners = false) {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1');
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) pieces.push(bytes.subarray(i, i + chunk));
  const violations: ScanViolation[] = [];
  const out = await buffer(
    Readable.from(pieces).pipe(scanMysqlDump({ database: DB, stripDefiners, onViolation: (v) => violations.push(v) })),
  );
  return { out: out.toString('latin1'), violations };
}

describe('scanMysqlDump', () => {
  it('refuses a line longer than it will hold, naming the line, and passes nothing of it', async () => {
    const violations: ScanViolation[] = [];
    const scanner = scanMysqlDump({
      database: DB,
      stripDefiners: false,
      maxLineBytes: 100_000,
      onViolation: (v) => violations.push(v),
    });
    const pieces = [
      Buffer.from('CREATE TABLE t (a int);\nINSERT INTO t VALUES ('),
      ...Array(40).fill(Buffer.alloc(4096, 0x31)),
    ];
    const out = await buffer(Readable.from(pieces).pipe(scanner));
    expect(violations).toEqual([{ line: 2, reason: 'a line longer than 100000 bytes' }]);
    expect(out.toString('latin1')).toBe('CREATE TABLE t (a int);\n');
  });

  it.each([
    ['USE other;', 'USE other: another database'],
    ['use `other`', 'USE other: another database'],
    ['/*!40000 USE other */;', 'USE other'],
    ['CREATE TABLE other.t (a int);', 'other.t names another database'],
    ['INSERT INTO `other`.`t` VALUES (1);', 'other.t names another database'],
    ['DROP TABLE IF EXISTS t, `other`.b;', 'other.b names another database'],
    ['LOCK TABLES t WRITE, other.t WRITE;', 'other.t names another database'],
    ['RENAME TABLE t TO other.t;', 'other.t names another database'],
    ['CREATE DATABASE IF NOT EXISTS evil;', 'CREATE DATABASE evil'],
    ['DROP SCHEMA other;', 'DROP DATABASE other'],
    ["SELECT * INTO OUTFILE '/tmp/x' FROM t;", 'INTO OUTFILE writes a file'],
    ["LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t;", 'LOAD DATA reads a file'],
    ["SELECT LOAD_FILE('/etc/passwd');", 'LOAD_FILE() reads a file'],
    ['SELECT other.t.c FROM t;', 'other.t.c names another database'],
    ['CALL other.p();', 'other.p names another database'],
    ['SELECT other.f(1);', 'other.f() is a routine of another database'],
    ['CREATE TRIGGER tr BEFORE INSERT ON other.t FOR EACH ROW SET NEW.a = 1;', 'other.t names another database'],
    ['/*!50001 CREATE VIEW v AS SELECT * FROM other.t */;', 'other.t names another database'],
    ['INSERT INTO t VALUES (1); CREATE TABLE other.t (a int);', 'other.t names another database'],
    ["INSERT INTO t VALUES ('it''s; \\' USE x'), (2) /* ' */; USE other;", 'USE other'],
    ['DELIMITER ;;\nCREATE PROCEDURE p() BEGIN\n  UPDATE other.t SET a = 1;\nEND ;;', 'other.t names another database'],
    ['DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nUSE other$$', 'USE other'],
  ])('refuses %s', async (sql, reason) => {
    const text = `SELECT 1;\n-- a comment\n${sql}\nSELECT 2;\n`;
    const { out, violations } = await scan(text);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.reason).toContain(reason);
    // The line of the offending name: the first line past the comment that mentions it.
    const line = text.split('\n').findIndex((l, i) => i > 1 && /other|evil|OUTFILE|LOAD/.test(l)) + 1;
    expect(violations[0]?.line).toBe(line);
    expect(out).not.toContain('SELECT 2');
  });

  it.each([
    `USE ${DB};`,
    'SELECT t.a, `t`.`b` FROM t JOIN u ON t.id = u.id WHERE t.x LIKE u.y;',
    'INSERT INTO t VALUES (\'USE other; other.t\', "CREATE DATABASE x"), (-1, 2.5);',
    '-- USE other;\n# CREATE TABLE other.t\n/* DROP DATABASE other; */ SELECT 1;',
    'SET @@SESSION.sql_mode = @OLD_SQL_MODE, @a.b = 1;',
    'CREATE TABLE t (ts timestamp ON UPDATE current_timestamp(), p int REFERENCES parent (id)) ENGINE=InnoDB;',
    'CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW SET NEW.a = OLD.a + 1.5;',
    `CREATE TABLE ${DB}.t (a int);`,
    'ALTER DATABASE CHARACTER SET utf8mb4;',
  ])('passes %s untouched', async (sql) => {
    const text = `${sql}\n`;
    const { out, violations } = await scan(text);
    expect(violations).toEqual([]);
    expect(out).toBe(text);
  });

  it('passes a real mysqldump byte for byte, in any chunking', async () => {
    const dump = await mysqlDump(500, { gzip: false });
    for (const size of [1, 13, 4096, 1 << 20]) {
      const { out, violations } = await scan(dump, size, true);
      expect(violations).toEqual([]);
      expect(out).toBe(dump.toString('latin1'));
    }
  });

  it('blanks DEFINER clauses in place, keeping lengths and line ends', async () => {
    const sql = [
      '/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */',
      "CREATE DEFINER='app'@'%' PROCEDURE p() SELECT 'DEFINER=`x`@`y`';",
      '',
    ].join('\n');
    const { out, violations } = await scan(sql, 5, true);
    expect(violations).toEqual([]);
    expect(out.length).toBe(sql.length);
    expect(out).not.toContain('`root`');
    expect(out).not.toContain("'app'@");
    expect(out).toContain("'DEFINER=`x`@`y`'");
    expect(out).toContain('SQL SECURITY DEFINER');
  });
});
