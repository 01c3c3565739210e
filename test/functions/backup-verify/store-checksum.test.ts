import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { verifyObjectStore } from '../../../functions/backup-verify/checks/object-store.js';
import { ObjectStoreBackupSchema } from '../../../functions/backup-verify/config.js';
import type { ObjectInfo, ObjectStore } from '../../../shared/adapters/storage/object-store.js';
import { gzDump, HOUR, sha256 } from './fixtures.js';

/** A store like S3: the listing has no SHA-256, HEAD (stat) returns the one stored with the object. */
function s3Like(body: Buffer, storedSha256: string): ObjectStore {
  const info: ObjectInfo = { key: 'pg/db.sql.gz', bytes: body.length, updated: new Date(Date.now() - HOUR) };
  return {
    list: async () => [info],
    stat: async (key) => (key === info.key ? { ...info, sha256: storedSha256 } : undefined),
    read: async () => Readable.from([body]),
    write: async () => undefined,
    delete: async () => undefined,
  };
}

async function checksumOf(store: ObjectStore) {
  const backup = ObjectStoreBackupSchema.parse({ kind: 'object-store', url: 's3://dumps/pg/' });
  const { checks } = await verifyObjectStore(backup, {
    open: async () => ({ store, location: { scheme: 's3', bucket: 'dumps', prefix: 'pg/' } }),
    storeOptions: {},
    nowMs: Date.now(),
    timeZone: 'UTC',
    signal: new AbortController().signal,
  });
  return checks.find((c) => c.name === 'checksum');
}

describe('checksum against the SHA-256 the store keeps', () => {
  it('compares the SHA-256 only the object metadata carries, and fails a mismatch', async () => {
    const body = await gzDump(500);
    expect(await checksumOf(s3Like(body, sha256(body)))).toMatchObject({
      status: 'ok',
      detail: 'store SHA-256 match',
    });
    const bad = await checksumOf(s3Like(body, '0'.repeat(64)));
    expect(bad?.status).toBe('fail');
    expect(bad?.detail).toContain(`store SHA-256 expected ${'0'.repeat(64)}, got ${sha256(body)}`);
  });
});
