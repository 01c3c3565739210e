import { describe, expect, it } from 'vitest';
import type { ResultEnvelope } from '../../../../shared/core/run/index.js';
import type { HistoryEntry } from '../../../../shared/host/runtime/index.js';
import {
  actionTimeline,
  backupRows,
  certRows,
  healthMatrix,
  lastDrillMeasures,
} from '../../../../shared/host/views/index.js';

const NOW = new Date('2026-06-01T12:00:00Z');
let n = 0;
function run(fn: string, finishedAt: string, items: unknown[], extra: Partial<ResultEnvelope> = {}): HistoryEntry {
  return {
    envelope: {
      function: fn,
      runId: `run-${++n}`,
      trigger: { kind: 'scheduled', id: `t-${n}` },
      dryRun: false,
      startedAt: finishedAt,
      finishedAt,
      outcome: 'ok',
      summary: '',
      items,
      actions: [],
      notifications: [],
      ...extra,
    },
  };
}
const backup = (name: string, bytes: number, ageHours: number, checks: unknown[] = []) => ({
  backup: name,
  kind: 'object-store',
  status: 'ok',
  object: { key: `${name}.gz`, bytes, ageHours },
  checks,
});

describe('backupRows', () => {
  it('takes each backup from the newest run that saw it, ages it to now, and keeps sizes oldest first', () => {
    const history = [
      run('backupVerify', '2026-06-01T11:00:00Z', [backup('orders', 300, 2)]),
      run('backupVerify', '2026-06-01T10:00:00Z', [
        backup('orders', 200, 1, [{ name: 'restore', status: 'ok', detail: 'restored', data: { durationMs: 4200 } }]),
        backup('audit', 50, 30),
      ]),
      run('backupVerify', '2026-05-31T10:00:00Z', [backup('orders', 100, 1)]),
    ];
    const rows = backupRows(history, NOW);
    expect(rows.map((r) => [r.name, r.ageSeconds, r.sizes])).toEqual([
      ['orders', 2 * 3600 + 3600, [100, 200, 300]],
      ['audit', 30 * 3600 + 2 * 3600, [50]],
    ]);
    expect(rows[0]?.lastRestore).toEqual({ at: '2026-06-01T10:00:00Z', durationMs: 4200, detail: 'restored' });
  });

  it('leaves out items that are not backups instead of failing the page', () => {
    expect(backupRows([run('backupVerify', '2026-06-01T11:00:00Z', [{ odd: true }, 'text'])], NOW)).toEqual([]);
  });
});

describe('certRows', () => {
  const cert = (endpoint: string, address: string, status: string, daysLeft: number, fingerprint: string) => ({
    endpoint,
    address,
    status,
    daysLeft,
    notAfter: new Date(NOW.getTime() + daysLeft * 86_400_000).toISOString(),
    fingerprint,
  });

  it('sorts errors first, then by days left, and flags an endpoint whose addresses differ', () => {
    const rows = certRows(
      [
        run('certExpiry', '2026-06-01T11:00:00Z', [
          cert('a:443', '10.0.0.1', 'ok', 200, 'F1'),
          cert('b:443', '10.0.0.2', 'warn', 20, 'F2'),
          cert('b:443', '10.0.0.3', 'warn', 25, 'F3'),
          { endpoint: 'c:443', address: '10.0.0.4', status: 'error', problems: ['refused'] },
        ]),
      ],
      NOW,
    );
    expect(rows.map((r) => [r.endpoint, r.status, r.consistent])).toEqual([
      ['c:443', 'error', true],
      ['b:443', 'warn', false],
      ['b:443', 'warn', false],
      ['a:443', 'ok', true],
    ]);
    expect(rows[3]?.secondsLeft).toBe(200 * 86_400);
  });

  it('shows an endpoint as its newest run saw it: an address DNS no longer returns is gone with its old certificate', () => {
    const rows = certRows(
      [
        // Newest first: the renewed certificate on the address DNS returns now.
        run('certExpiry', '2026-06-01T11:00:00Z', [cert('a:443', '10.0.0.2', 'ok', 80, 'NEW')]),
        run('certExpiry', '2026-05-31T11:00:00Z', [
          cert('a:443', '10.0.0.1', 'critical', 5, 'OLD'),
          cert('b:443', '10.0.0.9', 'ok', 60, 'B'),
        ]),
      ],
      NOW,
    );
    expect(rows.map((r) => [r.endpoint, r.address, r.status, r.consistent])).toEqual([
      ['b:443', '10.0.0.9', 'ok', true],
      ['a:443', '10.0.0.2', 'ok', true],
    ]);
  });
});

describe('healthMatrix', () => {
  it('puts every check of the recent sweeps in a row, empty where a sweep did not run it', () => {
    const { sweeps, rows } = healthMatrix([
      run('healthSweep', '2026-06-01T11:05:00Z', [{ check: 'web', kind: 'http', status: 'fail', detail: '503' }]),
      run('healthSweep', '2026-06-01T11:00:00Z', [
        { check: 'web', kind: 'http', status: 'ok', detail: '200' },
        { check: 'db', kind: 'postgres', status: 'ok', detail: 'ok' },
      ]),
    ]);
    expect(sweeps).toHaveLength(2);
    expect(rows.map((r) => [r.check, r.cells.map((c) => c?.status)])).toEqual([
      ['db', [undefined, 'ok']],
      ['web', ['fail', 'ok']],
    ]);
  });
});

describe('actionTimeline', () => {
  it('lists decisions newest first with their guarded actions, filtered by service or trace', () => {
    const rollback = {
      ...run('rollback', '2026-06-01T11:00:00Z', [{ service: 'web', decision: 'rollback', reasons: ['5xx'] }]),
      traceId: 'abc',
    };
    rollback.envelope.actions = [
      { action: 'rollback', target: 'web', status: 'refused', by: 'cooldown', reason: 'cooling' },
    ];
    const scale = run('autoscale', '2026-06-01T11:30:00Z', [{ service: 'api', decision: 'up', from: 2, to: 4 }]);
    const all = actionTimeline({ rollback: [rollback], autoscale: [scale] });
    expect(all.map((e) => e.service)).toEqual(['api', 'web']);
    expect(all[1]?.actions).toEqual([expect.objectContaining({ by: 'cooldown' })]);
    expect(actionTimeline({ rollback: [rollback], autoscale: [scale] }, { service: 'web' })).toHaveLength(1);
    expect(
      actionTimeline({ rollback: [rollback], autoscale: [scale] }, { trace: 'ABC' }).map((e) => e.service),
    ).toEqual(['web']);
  });
});

describe('lastDrillMeasures', () => {
  it('keeps the newest measured drill of each plan', () => {
    const measures = lastDrillMeasures([
      run('drDrill', '2026-06-01T11:00:00Z', [], { plan: 'q', rto: null, rpo: null, targets: { rto: 600, rpo: 3600 } }),
      run('drDrill', '2026-05-01T11:00:00Z', [], { plan: 'q', rto: 420, rpo: 60, targets: { rto: 600, rpo: 3600 } }),
    ]);
    expect(measures).toEqual([
      { plan: 'q', at: '2026-05-01T11:00:00Z', rto: 420, rpo: 60, targets: { rto: 600, rpo: 3600 } },
    ]);
  });
});
