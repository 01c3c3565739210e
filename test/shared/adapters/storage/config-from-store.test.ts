import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EstateSchema } from '../../../../functions/estate.js';
import { readUrl, writeUrl } from '../../../../shared/adapters/storage/read-url.js';
import { loadConfig } from '../../../../shared/host/runtime/load-config.js';
import { type FakeGcs, startFakeGcs } from '../../../fakes/gcs.js';
import { type S3TestServer, startS3Server } from '../../../support/s3-server.js';

let s3: S3TestServer;
let gcs: FakeGcs;
beforeAll(async () => {
  [s3, gcs] = await Promise.all([startS3Server(['estate-config']), startFakeGcs()]);
  gcs.createBucket('estate-config');
});
afterAll(async () => {
  await Promise.all([s3?.stop(), gcs?.stop()]);
});

const yaml = 'estate: shop-prod\ntimezone: Asia/Shanghai\nmode: dry-run\n';

describe('loading the estate config from an object store', () => {
  it('loads and validates opsfn.yaml from s3:// and gs:// through readUrl', async () => {
    const s3Options = { s3: { endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials } };
    const gcsOptions = { endpoints: { storage: { url: gcs.url, credentials: 'none' as const } } };
    await writeUrl('s3://estate-config/prod/opsfn.yaml', yaml, s3Options);
    await writeUrl('gs://estate-config/prod/opsfn.yaml', yaml, gcsOptions);
    const fromS3 = await loadConfig(EstateSchema, 's3://estate-config/prod/opsfn.yaml', {
      readRemote: (url, maxBytes) => readUrl(url, { ...s3Options, maxBytes }),
    });
    const fromGs = await loadConfig(EstateSchema, 'gs://estate-config/prod/opsfn.yaml', {
      readRemote: (url, maxBytes) => readUrl(url, { ...gcsOptions, maxBytes }),
    });
    expect(fromS3).toMatchObject({ estate: 'shop-prod', timezone: 'Asia/Shanghai', mode: 'dry-run' });
    expect(fromGs).toEqual(fromS3);
  });

  it('names the URL when the config object is missing', async () => {
    const loading = loadConfig(EstateSchema, 's3://estate-config/absent.yaml', {
      readRemote: (url, maxBytes) =>
        readUrl(url, { s3: { endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials }, maxBytes }),
    });
    await expect(loading).rejects.toThrow(/s3:\/\/estate-config\/absent\.yaml/);
  });
});
