import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../../../shared/adapters/storage/file-object-store.js';
import { GcsObjectStore } from '../../../../shared/adapters/storage/gcs-object-store.js';
import { openObjectStore } from '../../../../shared/adapters/storage/open-object-store.js';
import { S3ObjectStore } from '../../../../shared/adapters/storage/s3-object-store.js';
import { BadInputError } from '../../../../shared/core/errors/ops-error.js';
import { type FakeGcs, startFakeGcs } from '../../../fakes/gcs.js';
import { type S3TestServer, startS3Server } from '../../../support/s3-server.js';

let s3: S3TestServer;
let gcs: FakeGcs;
let dir: string;

beforeAll(async () => {
  [s3, gcs, dir] = await Promise.all([
    startS3Server(['open-bucket']),
    startFakeGcs(),
    mkdtemp(join(tmpdir(), 'opsfn-open-')),
  ]);
  gcs.createBucket('open-bucket');
});
afterAll(async () => {
  await Promise.all([s3?.stop(), gcs?.stop(), dir && rm(dir, { recursive: true, force: true })]);
});

describe('openObjectStore', () => {
  it('opens a file URL as a FileObjectStore rooted at its directory', async () => {
    const { store, location } = await openObjectStore(`file://${dir}/pg/`);
    expect(store).toBeInstanceOf(FileObjectStore);
    expect(location).toEqual({ scheme: 'file', bucket: join(dir, 'pg'), prefix: '' });
  });

  it('opens an s3 URL with the configured endpoint and keys resolved from secret references', async () => {
    const asked: unknown[] = [];
    const { store, location } = await openObjectStore('s3://open-bucket/dumps/', {
      endpoints: { s3: { url: s3.endpoint } },
      s3: {
        forcePathStyle: true,
        credentials: { accessKeyId: { env: 'S3_KEY' }, secretAccessKey: { env: 'S3_SECRET' } },
      },
      secret: async (ref) => {
        asked.push(ref);
        return 'S3RVER';
      },
    });
    expect(store).toBeInstanceOf(S3ObjectStore);
    expect(location.prefix).toBe('dumps/');
    await store.write('dumps/a.txt', 'a');
    expect((await store.list(location.prefix)).map((o) => o.key)).toEqual(['dumps/a.txt']);
    expect(asked).toEqual([{ env: 'S3_KEY' }, { env: 'S3_SECRET' }]);
  });

  it('refuses secret-reference credentials when no resolver is given', async () => {
    const opening = openObjectStore('s3://open-bucket/x/', {
      s3: { credentials: { accessKeyId: { env: 'K' }, secretAccessKey: { env: 'S' } } },
    });
    await expect(opening).rejects.toBeInstanceOf(BadInputError);
    await expect(opening).rejects.toThrow(/accessKeyId is a secret reference/);
  });

  it('opens a gs URL against endpoints.storage without credentials', async () => {
    const { store } = await openObjectStore('gs://open-bucket/reports/', {
      endpoints: { storage: { url: gcs.url, credentials: 'none' } },
    });
    expect(store).toBeInstanceOf(GcsObjectStore);
    await store.write('reports/r.json', '{}');
    expect(gcs.buckets.get('open-bucket')?.get('reports/r.json')?.body.toString()).toBe('{}');
  });

  it('rejects an unsupported URL before loading anything', async () => {
    await expect(openObjectStore('ftp://host/x')).rejects.toBeInstanceOf(BadInputError);
  });
});
