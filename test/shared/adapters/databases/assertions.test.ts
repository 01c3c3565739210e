import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  restoreDump,
  runAssertions,
  scratchDatabaseName,
  withScratchDatabase,
} from '../../../../shared/adapters/databases/index.js';
import { MYSQL_URL, mysqlDump, PG_URL, pgDump, suffix } from './seed.js';

describe.each([
  ['postgres', PG_URL, pgDump],
  ['mysql', MYSQL_URL, mysqlDump],
] as const)('runAssertions on %s', (engine, url, dump) => {
  it('refuses an assertion that ends its read-only transaction and writes, and one that writes', async () => {
    const rows = await withScratchDatabase({ engine, url }, scratchDatabaseName(`t${suffix()}`), async (db) => {
      await restoreDump(Readable.from([await dump(30)]), db, { timeoutMs: 30_000, stripOwnership: true });
      const results = await runAssertions(db, [
        { name: 'smuggled', sql: 'COMMIT; DELETE FROM conversations', min: 0 },
        { name: 'direct', sql: 'DELETE FROM conversations', min: 0 },
        ...(engine === 'postgres'
          ? [{ name: 'cte', sql: 'WITH d AS (DELETE FROM conversations RETURNING 1) SELECT count(*) FROM d', min: 0 }]
          : []),
        { name: 'count', sql: 'SELECT count(*) FROM conversations', equals: 30 },
      ]);
      expect(results.map((r) => [r.name, r.status])).toEqual([
        ['smuggled', 'fail'],
        ['direct', 'fail'],
        ...(engine === 'postgres' ? [['cte', 'fail']] : []),
        ['count', 'ok'],
      ]);
      expect(results[0]?.detail).toMatch(/query failed: .*(multiple commands|syntax)/i);
      expect(results[1]?.detail).toMatch(/query failed: .*read.only/i);
      return results.at(-1)?.value;
    });
    expect(Number(rows)).toBe(30);
  });
});
