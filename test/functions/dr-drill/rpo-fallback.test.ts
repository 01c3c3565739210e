import { describe, expect, it } from 'vitest';
import { drDrill } from '../../../functions/dr-drill/handler.js';
import { runForTest } from '../../../shared/testing/index.js';
import { testEstate } from '../../support/estate.js';
import { stamp } from '../backup-verify/fixtures.js';
import { drillEstate, PG_SERVER } from './fixtures.js';
import { cli, setup, useCleanups } from './harness.js';

const cleanups = useCleanups();

describe('drDrill RPO without a heartbeat in the copy', () => {
  it('falls back to the time of the dump and says why', async () => {
    const { prod, work } = await setup(cleanups, 'postgres', 10);
    // Dumped two hours ago by its name; production never got a heartbeat row, so the copy has none.
    await work.putDump(`db_${stamp(Date.now() - 2 * 3_600_000)}.sql.gz`, await prod.dump());
    const config = testEstate(
      drillEstate({
        prod,
        backupsUrl: work.backupsUrl,
        reportsUrl: work.reportsUrl,
        extra: { timezone: 'UTC' },
        plan: {
          targets: { rto: '30m', rpo: '1h' },
          heartbeat: { database: 'main-db' },
          steps: [{ step: 'db.restoreDump', backup: 'dumps', scratch: { postgres: PG_SERVER } }],
        },
      }),
    );
    const { envelope } = await runForTest(drDrill, cli({ plan: 'quarterly-db' }), {
      estate: config,
    });
    const [restore] = envelope.items as { status: string; detail: string }[];
    expect(restore?.status).toBe('ok');
    expect(restore?.detail).toContain('no heartbeat in opsfn_heartbeat of the copy');
    expect(restore?.detail).toContain('RPO from the backup time');
    expect(envelope.rpo as number).toBeGreaterThanOrEqual(7195);
    expect(envelope.rpo as number).toBeLessThan(7300);
    expect(envelope.outcome).toBe('fail');
    expect(envelope.summary).toContain('RPO');
    expect(envelope.summary).toContain('over the 3600s target');
  });
});
