import { describe, expect, it } from 'vitest';
import { backupVerify } from '../../../functions/backup-verify/handler.js';
import type { SelfTestItem } from '../../../functions/backup-verify/self-test/self-test.js';
import type { ManualTrigger } from '../../../shared/core/events/trigger.js';
import { runForTest } from '../../../shared/testing/index.js';
import { testEstate } from '../../support/estate.js';

const manual = (payload: Record<string, unknown>): ManualTrigger => ({
  kind: 'manual',
  id: `m-${Math.random()}`,
  payload,
});

describe('backupVerify self-test', () => {
  it('proves each broken copy fails the right check', async () => {
    const { envelope } = await runForTest(backupVerify, manual({ selfTest: true }), {
      estate: testEstate(),
    });
    const items = envelope.items as SelfTestItem[];
    expect(items.map((i) => [i.case, i.status])).toEqual([
      ['intact', 'pass'],
      ['truncated', 'pass'],
      ['corrupted', 'pass'],
      ['emptied', 'pass'],
      ['checksum-mismatch', 'pass'],
      ['stale', 'pass'],
      ['incomplete', 'pass'],
    ]);
    expect(envelope.outcome).toBe('ok');
    expect(items.find((i) => i.case === 'truncated')?.detail).toMatch(/integrity: gzip stream truncated/);
    expect(items.find((i) => i.case === 'checksum-mismatch')?.detail).toMatch(/checksum: checksum mismatch: sidecar/);
    expect(items.find((i) => i.case === 'stale')?.detail).toMatch(/freshness: .* over the RPO/);
  });

  it('rejects an unknown backup name before verifying anything', async () => {
    const { envelope } = await runForTest(backupVerify, manual({ backups: ['ghost'] }), {
      estate: testEstate({ backups: { cache: { kind: 'redis', url: 'redis://127.0.0.1:1' } } as never }),
    });
    expect(envelope.outcome).toBe('rejected');
    expect(envelope.error).toMatchObject({ status: 404, message: 'unknown backup(s): ghost (configured: cache)' });
    expect(envelope.items).toEqual([]);
  });

  it('skips a run with no backups configured', async () => {
    const { envelope } = await runForTest(
      backupVerify,
      { kind: 'scheduled', id: 's1', job: 'backup-verify', scheduledAt: new Date().toISOString(), payload: {} },
      {
        estate: testEstate(),
      },
    );
    expect(envelope).toMatchObject({ outcome: 'skipped', summary: 'no backups configured' });
  });
});
