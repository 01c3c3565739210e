import { Transform, type TransformCallback } from 'node:stream';
import { MysqlScanner, type MysqlScanOptions } from './mysql-scanner.js';

export type { MysqlScanOptions, ScanViolation } from './mysql-scanner.js';

/** The longest dump line the scan holds by default: mysqldump writes one row per line at most, and a row this long is past any `max_allowed_packet` in use. */
const MAX_LINE_BYTES = 256 * 1024 * 1024;

/**
 * A streaming scan of a mysqldump for statements that reach another database: `USE other`,
 * `CREATE|DROP|ALTER DATABASE other`, `other.table` where a table is named, three-part names,
 * `other.routine(`, `INTO OUTFILE`, `LOAD DATA`, `LOAD_FILE(`. Strings, comments and `DELIMITER`
 * are followed; INSERT values are skipped with a native search for their quotes and terminator, so
 * row data costs little. A backstop: the server-side guard is the loader login granted one database.
 */
export function scanMysqlDump(options: MysqlScanOptions): Transform {
  const scanner = new MysqlScanner(options);
  const maxLine = options.maxLineBytes ?? MAX_LINE_BYTES;
  let carry = '';
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      if (scanner.stopped) return done();
      const nl = chunk.lastIndexOf(0x0a);
      if (nl < 0) {
        // A line is scanned whole: one that never ends would be held until memory or V8's string limit gave out.
        if (carry.length + chunk.length > maxLine) {
          carry = '';
          scanner.refuseLine(`a line longer than ${maxLine} bytes`);
          return done();
        }
        carry += chunk.toString('latin1');
        return done();
      }
      const text = carry + chunk.toString('latin1', 0, nl + 1);
      const out = scanner.scan(text);
      if (out === text && carry === '') this.push(chunk.subarray(0, nl + 1));
      else if (out !== undefined) this.push(Buffer.from(out, 'latin1'));
      carry = chunk.toString('latin1', nl + 1);
      done();
    },
    flush(done: TransformCallback) {
      if (!scanner.stopped && carry !== '') {
        const out = scanner.scan(carry);
        if (out !== undefined) this.push(Buffer.from(out, 'latin1'));
      }
      done();
    },
  });
}
