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

/** The rows of one query on the replica (port) or the primary. */
async function rowsOn(port: number, sql: string): Promise<Record<string, unknown>[]> {
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const db = await connectPostgres(url, { connectTimeoutMs: 5_000, queryTimeoutMs: 5_000 });
  try {
    return (await db.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await db.end();
  }
}

const receivers = async () =>
  Number((await rowsOn(pair.replicaPort, 'SELECT count(*)::int AS n FROM pg_stat_wal_receiver'))[0]?.n);

async function until(what: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('healthSweep on a PostgreSQL streaming replica', () => {
  it('reads no lag from a replica in step with its primary', async () => {
    await until(async () => (await receivers()) === 1);
    const items = itemsOf(await sweep());
    expect(items.replica).toMatchObject({ status: 'ok', detail: expect.stringMatching(/replica lag 0s/) });
  });

  it('reads the same as a role without pg_read_all_stats, which sees the receiver but not its details', async () => {
    await rowsOn(pair.primaryPort, 'CREATE ROLE opsfn_check LOGIN');
    await until(
      async () => (await rowsOn(pair.replicaPort, "SELECT 1 FROM pg_roles WHERE rolname = 'opsfn_check'")).length === 1,
    );
    const items = itemsOf(await sweep('opsfn_check'));
    expect(items.replica).toMatchObject({ status: 'ok', detail: expect.stringMatching(/replica lag 0s/) });
  });

  it('fails a replica whose primary is gone, though what it received is all replayed', async () => {
    pair.stopPrimary();
    await until(async () => (await receivers()) === 0);
    const items = itemsOf(await sweep());
    expect(items.replica).toMatchObject({ status: 'fail', detail: expect.stringMatching(/replication stopped/) });
  });
});
