import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectBounded } from '../../../../shared/adapters/storage/collect.js';
import { readUrl, writeUrl } from '../../../../shared/adapters/storage/read-url.js';
import { BadInputError, NotFoundError, TooLargeError } from '../../../../shared/core/errors/ops-error.js';
import { type FakeGcs, startFakeGcs } from '../../../fakes/gcs.js';
import { type S3TestServer, startS3Server } from '../../../support/s3-server.js';

let s3: S3TestServer;
let gcs: FakeGcs;
let dir: string;

beforeAll(async () => {
  [s3, gcs, dir] = await Promise.all([
    startS3Server(['cfg-bucket']),
    startFakeGcs(),
    mkdtemp(join(tmpdir(), 'opsfn-url-')),
  ]);
  gcs.createBucket('cfg-bucket');
});
afterAll(async () => {
  await Promise.all([s3?.stop(), gcs?.stop(), dir && rm(dir, { recursive: true, force: true })]);
});

const s3Options = () => ({ s3: { endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials } });
const gcsOptions = () => ({ endpoints: { storage: { url: gcs.url, credentials: 'none' as const } } });

describe('readUrl', () => {
  it('reads a local file named by a file URL', async () => {
    await mkdir(join(dir, 'etc'), { recursive: true });
    await writeFile(join(dir, 'etc', 'opsfn.yaml'), 'estate: local\n');
    expect((await readUrl(`file://${dir}/etc/opsfn.yaml`, { maxBytes: 1024 })).toString()).toBe('estate: local\n');
  });

  it('reads from s3 and gs the objects writeUrl wrote', async () => {
    await writeUrl('s3://cfg-bucket/opsfn.yaml', 'from: s3\n', s3Options());
    await writeUrl('gs://cfg-bucket/opsfn.yaml', Buffer.from('from: gs\n'), gcsOptions());
    expect((await readUrl('s3://cfg-bucket/opsfn.yaml', { ...s3Options(), maxBytes: 100 })).toString()).toBe(
      'from: s3\n',
    );
    expect((await readUrl('gs://cfg-bucket/opsfn.yaml', { ...gcsOptions(), maxBytes: 100 })).toString()).toBe(
      'from: gs\n',
    );
  });

  it('refuses an object larger than maxBytes without downloading it', async () => {
    await writeUrl('gs://cfg-bucket/big.yaml', Buffer.alloc(5000, 'a'), gcsOptions());
    const downloads = () =>
      gcs.requests.filter((r) => r.line.includes('big.yaml') && r.line.includes('alt=media')).length;
    const before = downloads();
    await expect(readUrl('gs://cfg-bucket/big.yaml', { ...gcsOptions(), maxBytes: 4096 })).rejects.toBeInstanceOf(
      TooLargeError,
    );
    expect(downloads()).toBe(before);
  });

  it('raises NotFoundError for a missing object and BadInputError for a prefix URL', async () => {
    await expect(readUrl('s3://cfg-bucket/absent.yaml', { ...s3Options(), maxBytes: 10 })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(readUrl('s3://cfg-bucket/dir/', { ...s3Options(), maxBytes: 10 })).rejects.toBeInstanceOf(
      BadInputError,
    );
  });
});

describe('writeUrl', () => {
  it('creates missing directories for a file URL', async () => {
    await writeUrl(`file://${dir}/reports/2026/11/run.json`, '{"ok":true}');
    expect(await readFile(join(dir, 'reports/2026/11/run.json'), 'utf8')).toBe('{"ok":true}');
  });
});

describe('collectBounded', () => {
  it('stops reading once a stream passes the limit, even if stat said it was small', async () => {
    const source = Readable.from([Buffer.alloc(600), Buffer.alloc(600), Buffer.alloc(600)]);
    await expect(collectBounded(source, 1000, (n) => new TooLargeError(`too large: ${n}`))).rejects.toThrow(
      'too large: 1200',
    );
    expect(source.destroyed).toBe(true);
  });
});
