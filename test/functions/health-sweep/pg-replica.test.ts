import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres } from '../../../shared/adapters/databases/drivers.js';
import { type PostgresPair, startPostgresPair } from '../../support/pg-replica.js';
import { healthHarness, itemsOf } from './harness.js';

let pair: PostgresPair;
beforeAll(async () => {
  pair = await startPostgresPair();
}, 60_000);
afterAll(() => pair?.stop());

const replicaUrl = (role = 'postgres') => `postgres://${role}@127.0.0.1:${pair.replicaPort}/postgres`;
const sweep = (role?: string) =>
  healthHarness({
    health: { checks: [{ name: 'replica', kind: 'postgres', url: replicaUrl(role), maxLag: '30s' }] },
  }).invoke();

async function until(what: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('healthSweep on a PostgreSQL streaming replica', () => {
  it('reads no lag from a replica in step with its primary', async () => {
    await until(async () => {
      const db = await connectPostgres(replicaUrl(), { connectTimeoutMs: 5_000, queryTimeoutMs: 5_000 });
      try {
        return (await db.query('SELECT count(*)::int AS n FROM pg_stat_wal_receiver')).rows[0]?.n === 1;
      } finally {
        await db.end();
      }
    });
    const items = itemsOf(await sweep());
    expect(items.replica).toMatchObject({ status: 'ok', detail: expect.stringMatching(/replica lag 0s/) });
  });

  it('reads the same as a role without pg_read_all_stats, which sees the receiver but not its details', async () => {
    const primary = await connectPostgres(`postgres://postgres@127.0.0.1:${pair.primaryPort}/postgres`, {
      connectTimeoutMs: 5_000,
      queryTimeoutMs: 5_000,
    });
    try {
      await primary.query('CREATE ROLE opsfn_check LOGIN');
    } finally {
      await primary.end();
    }
    await until(async () => {
      const db = await connectPostgres(replicaUrl(), { connectTimeoutMs: 5_000, queryTimeoutMs: 5_000 });
      try {
        return (await db.query("SELECT 1 FROM pg_roles WHERE rolname = 'opsfn_check'")).rows.length === 1;
      } finally {
        await db.end();
      }
    });
    const items = itemsOf(await sweep('opsfn_check'));
    expect(items.replica).toMatchObject({ status: 'ok', detail: expect.stringMatching(/replica lag 0s/) });
  });

  it('fails a replica whose primary is gone, though what it received is all replayed', async () => {
    pair.stopPrimary();
    await until(async () => {
      const db = await connectPostgres(replicaUrl(), { connectTimeoutMs: 5_000, queryTimeoutMs: 5_000 });
      try {
        return (await db.query('SELECT count(*)::int AS n FROM pg_stat_wal_receiver')).rows[0]?.n === 0;
      } finally {
        await db.end();
      }
    });
    const items = itemsOf(await sweep());
    expect(items.replica).toMatchObject({ status: 'fail', detail: expect.stringMatching(/replication stopped/) });
  });
});
