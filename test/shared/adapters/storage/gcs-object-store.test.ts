import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GcsObjectStore } from '../../../../shared/adapters/storage/gcs-object-store.js';
import { type FakeGcs, startFakeGcs } from '../../../fakes/gcs.js';
import { runObjectStoreContract } from './contract.js';

let fake: FakeGcs;

beforeAll(async () => {
  fake = await startFakeGcs({ pageSize: 2 });
  fake.createBucket('contract-bucket');
  fake.createBucket('locked-bucket');
  fake.deny('locked-bucket');
});
afterAll(async () => {
  await fake?.stop();
});

function store(bucket: string): GcsObjectStore {
  return new GcsObjectStore({
    bucket,
    apiEndpoint: fake.url,
    credentials: 'none',
    projectId: 'demo-opsfn',
    pageSize: 3,
  });
}

runObjectStoreContract(
  'GcsObjectStore (fake JSON API through @google-cloud/storage)',
  async () => ({
    store: store('contract-bucket'),
    missing: store('no-such-bucket'),
    denied: store('locked-bucket'),
    checksums: ['md5', 'crc32c'],
  }),
  { missingBucket: true, accessDenied: true },
);

describe('GcsObjectStore', () => {
  it('tells a missing bucket from a missing object, which the object calls of the API do not', async () => {
    const missing = store('no-such-bucket');
    await expect(missing.stat('a.txt')).rejects.toMatchObject({ kind: 'notFound', details: { missing: 'bucket' } });
    await expect(missing.read('a.txt')).rejects.toThrow(/gs:\/\/no-such-bucket\/a\.txt: the bucket does not exist/);
    await expect(store('contract-bucket').stat('none/such.txt')).resolves.toBeUndefined();
    await expect(store('contract-bucket').read('none/such.txt')).rejects.toThrow(/no such object/);
  });

  it('sends no credentials to an endpoint configured with credentials none', async () => {
    await store('contract-bucket').write('auth/probe.txt', 'x');
    const upload = fake.requests.filter((r) => r.line.includes('auth'));
    expect(upload.length).toBeGreaterThan(0);
    expect(upload.every((r) => r.authorization === undefined)).toBe(true);
  });

  it('skips folder placeholders when listing', async () => {
    const bucket = fake.buckets.get('contract-bucket')!;
    bucket.set('folder/', { body: Buffer.alloc(0), contentType: 'text/plain', generation: 1, updated: new Date() });
    await store('contract-bucket').write('folder/real.txt', 'r');
    expect((await store('contract-bucket').list('folder/')).map((o) => o.key)).toEqual(['folder/real.txt']);
  });

  it('dates an object by when it was written, not by its last metadata change', async () => {
    const s = store('contract-bucket');
    await s.write('aged/db.sql.gz', 'dump');
    const object = fake.buckets.get('contract-bucket')?.get('aged/db.sql.gz');
    if (!object) throw new Error('not written');
    object.updated = new Date('2026-11-01T02:00:00Z');
    // A lifecycle rule moved it to NEARLINE today: `updated` moves, `timeCreated` does not.
    object.metadataUpdated = new Date();
    const [listed] = await s.list('aged/');
    expect(listed?.updated.toISOString()).toBe('2026-11-01T02:00:00.000Z');
    expect((await s.stat('aged/db.sql.gz'))?.updated.toISOString()).toBe('2026-11-01T02:00:00.000Z');
  });

  it('follows list pages until the last token', async () => {
    const s = store('contract-bucket');
    await Promise.all(['p/1', 'p/2', 'p/3', 'p/4', 'p/5'].map((k) => s.write(k, k)));
    const before = fake.requests.length;
    expect((await s.list('p/')).map((o) => o.key)).toEqual(['p/1', 'p/2', 'p/3', 'p/4', 'p/5']);
    expect(
      fake.requests.slice(before).filter((r) => r.line.startsWith('GET /storage/v1/b/contract-bucket/o?')).length,
    ).toBe(3);
  });
});
