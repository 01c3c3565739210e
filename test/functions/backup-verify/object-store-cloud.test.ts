import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectStoreBackupSchema } from '../../../functions/backup-verify/config.js';
import { backupVerify } from '../../../functions/backup-verify/handler.js';
import type { BackupResult } from '../../../functions/backup-verify/types.js';
import { verifyBackup } from '../../../functions/backup-verify/verify-backup.js';
import { S3ObjectStore } from '../../../shared/adapters/storage/s3-object-store.js';
import { parseStoreUrl } from '../../../shared/adapters/storage/store-url.js';
import { Redactor } from '../../../shared/core/audit/redactor.js';
import type { ManualTrigger } from '../../../shared/core/events/trigger.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { createSecretResolver } from '../../../shared/host/runtime/secrets.js';
import { runForTest } from '../../../shared/testing/index.js';
import { type FakeGcs, startFakeGcs } from '../../fakes/gcs.js';
import { testEstate } from '../../support/estate.js';
import { type S3TestServer, startS3Server } from '../../support/s3-server.js';
import { DAY, detail, gzDump, HOUR, sha256, stamp, statuses } from './fixtures.js';

const manual = (): ManualTrigger => ({ kind: 'manual', id: `m-${Math.random()}`, payload: {} });
const env = { OPSFN_BV_S3_KEY: 'S3RVER', OPSFN_BV_S3_SECRET: 'S3RVER', OPSFN_BV_BAD: 'wrong' };
const creds = (key: string, secret: string) => ({ accessKeyId: { env: key }, secretAccessKey: { env: secret } });

async function verify(backups: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<BackupResult[]> {
  const config = testEstate({ backups: backups as never, ...extra });
  const { envelope } = await runForTest(backupVerify, manual(), {
    estate: config,
    secret: createSecretResolver({ env, redactor: new Redactor() }),
  });
  return envelope.items as BackupResult[];
}

describe('backupVerify on s3:// (loopback S3 server)', () => {
  let server: S3TestServer;
  let body: Buffer;
  beforeAll(async () => {
    server = await startS3Server(['dumps']);
    const store = new S3ObjectStore({
      bucket: 'dumps',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: server.credentials,
    });
    body = await gzDump(3_000);
    const name = `pg/db_${stamp(Date.now() - HOUR)}.sql.gz`;
    await store.write(name, body);
    await store.write(`${name}.sha256`, `${sha256(body)}  db.sql.gz\n`);
    await store.write(`pg/db_${stamp(Date.now() - DAY - HOUR)}.sql.gz`, body);
  });
  afterAll(() => server.stop());

  it('verifies the newest dump path-style, against the ETag MD5 and the sidecar', async () => {
    const [result] = await verify({
      pg: {
        kind: 'object-store',
        url: 's3://dumps/pg/',
        endpoint: server.endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: creds('OPSFN_BV_S3_KEY', 'OPSFN_BV_S3_SECRET'),
      },
    });
    expect(statuses(result)).toEqual({
      freshness: 'ok',
      size: 'ok',
      integrity: 'ok',
      checksum: 'ok',
      completeness: 'ok',
      retention: 'skipped',
    });
    expect(detail(result, 'checksum')).toBe('ETag MD5, sidecar .sha256 match');
    expect(result?.object?.bytes).toBe(body.length);
  });

  it('verifies virtual-host style through the same check', async () => {
    const backup = ObjectStoreBackupSchema.parse({ kind: 'object-store', url: 's3://dumps/pg/' });
    const result = await verifyBackup('vhost', backup, {
      config: testEstate(),
      runId: 'r',
      now: Date.now,
      signal: new AbortController().signal,
      state: new MemoryStateStore(),
      secret: async () => '',
      // No restore test here: nothing to guard.
      act: async () => ({ status: 'refused', by: 'kill-switch', reason: 'no restore test' }),
      openStore: async (url) => ({
        location: parseStoreUrl(url),
        store: new S3ObjectStore({
          bucket: 'dumps',
          endpoint: server.vhostEndpoint,
          credentials: server.credentials,
          agent: server.agent,
          region: 'us-east-1',
        }),
      }),
      sqlAdmin: async () => {
        throw new Error('unused');
      },
      redisInfo: async () => '',
      scratchClock: async () => Date.now(),
      forceRestore: false,
    });
    expect(result.status).toBe('ok');
    expect(await server.hosts()).toContain(`dumps.s3.opsfn.test:${server.port}`);
  });

  it('fails a missing bucket and denied credentials on the access check', async () => {
    const items = await verify({
      missing: {
        kind: 'object-store',
        url: 's3://no-such-bucket/pg/',
        endpoint: server.endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: creds('OPSFN_BV_S3_KEY', 'OPSFN_BV_S3_SECRET'),
      },
      denied: {
        kind: 'object-store',
        url: 's3://dumps/pg/',
        endpoint: server.endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: creds('OPSFN_BV_BAD', 'OPSFN_BV_BAD'),
      },
    });
    expect(items.map((r) => r.checks[0]?.name)).toEqual(['access', 'access']);
    expect(items.map((r) => r.status)).toEqual(['fail', 'fail']);
    expect(detail(items[0], 'access')).toMatch(/cannot list s3:\/\/no-such-bucket\/pg\/: .*(bucket|NoSuchBucket)/i);
    expect(detail(items[1], 'access')).toMatch(
      /cannot list s3:\/\/dumps\/pg\/: .*(denied|signature|access key|403|InvalidAccessKeyId)/i,
    );
  });
});

describe('backupVerify on gs:// (GCS JSON API fake)', () => {
  let fake: FakeGcs;
  beforeAll(async () => {
    fake = await startFakeGcs({ pageSize: 2 });
    fake.createBucket('gdumps');
    fake.createBucket('locked');
    fake.deny('locked');
    const body = await gzDump(1_000);
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      fake.buckets.get('gdumps')?.set(`mysql/${name}.sql.gz`, {
        body,
        contentType: 'application/gzip',
        generation: i + 1,
        updated: new Date(Date.now() - (3 - i) * HOUR),
      });
    }
  });
  afterAll(() => fake.stop());

  it('checks MD5 and CRC32C from object metadata, paging through the listing', async () => {
    const [result] = await verify(
      { gcs: { kind: 'object-store', url: 'gs://gdumps/mysql/' } },
      { endpoints: { storage: { url: fake.url, credentials: 'none' } } },
    );
    expect(statuses(result)).toMatchObject({ freshness: 'ok', integrity: 'ok', checksum: 'ok' });
    expect(detail(result, 'checksum')).toBe('store MD5, store CRC32C match');
    expect(result?.object?.key).toBe('mysql/c.sql.gz');
  });

  it('fails the access check when the bucket denies the caller', async () => {
    const [result] = await verify(
      { gcs: { kind: 'object-store', url: 'gs://locked/mysql/' } },
      { endpoints: { storage: { url: fake.url, credentials: 'none' } } },
    );
    expect(result?.checks[0]).toMatchObject({ name: 'access', status: 'fail' });
    expect(detail(result, 'access')).toMatch(/403|denied|permission/i);
  });
});
