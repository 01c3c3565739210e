import { afterEach, describe, expect, it } from 'vitest';
import { heartbeatQuery, writeHeartbeat } from '../../../functions/dr-drill/adapters/heartbeat.js';
import { BadInputError } from '../../../shared/core/errors/index.js';
import { type ProductionDb, productionDb } from './fixtures.js';

async function read(db: ProductionDb): Promise<{ atMs: number; at: string }> {
  if (db.engine === 'postgres') {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const max = await client.query(heartbeatQuery('opsfn_heartbeat'));
      const row = await client.query('SELECT at FROM opsfn_heartbeat WHERE id = 1');
      return { atMs: Number(max.rows[0].max), at: (row.rows[0].at as Date).toISOString() };
    } finally {
      await client.end();
    }
  }
  const mysql = await import('mysql2/promise');
  const connection = await mysql.createConnection({ uri: db.url });
  try {
    const [max] = (await connection.query(heartbeatQuery('opsfn_heartbeat'))) as unknown as [Record<string, unknown>[]];
    const [row] = (await connection.query('SELECT at FROM opsfn_heartbeat WHERE id = 1')) as unknown as [
      { at: string }[],
    ];
    return { atMs: Number(Object.values(max[0] ?? {})[0]), at: String(row[0]?.at) };
  } finally {
    await connection.end();
  }
}

describe('the drill heartbeat written to production', () => {
  it("writes only a table of opsfn's own, refusing any other before it connects", async () => {
    // Nothing listens on port 9: a write that tried to connect would fail with a dependency error instead.
    const target = { engine: 'postgres' as const, url: 'postgres://opsfn@127.0.0.1:9/app', table: 'users' };
    const refused = await writeHeartbeat(target, new Date(), 1_000).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BadInputError);
    expect((refused as Error).message).toBe(
      'heartbeat table "users" is not one of opsfn\'s own (opsfn_…): nothing written',
    );
  });

  let db: ProductionDb | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it.each(['postgres', 'mysql'] as const)(
    'keeps the newest time on %s when a delayed write brings an older one',
    async (engine) => {
      db = await productionDb(engine, 1);
      const target = { engine, url: db.url, table: 'opsfn_heartbeat' };
      const newer = new Date('2026-12-04T20:10:00.000Z');
      const older = new Date('2026-12-04T20:00:00.000Z');
      await writeHeartbeat(target, newer, 10_000);
      // The janitor's write of ten minutes ago, arriving late: the copy's RPO must not be measured from it.
      await writeHeartbeat(target, older, 10_000);
      expect(await read(db)).toEqual({ atMs: newer.getTime(), at: newer.toISOString() });
      const newest = new Date('2026-12-04T20:20:00.000Z');
      await writeHeartbeat(target, newest, 10_000);
      expect(await read(db)).toEqual({ atMs: newest.getTime(), at: newest.toISOString() });
    },
  );
});
