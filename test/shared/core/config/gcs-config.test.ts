import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EstateSchema } from '../../../../functions/estate.js';
import { readGcsObject } from '../../../../shared/adapters/storage/gcs-read.js';
import { loadConfig } from '../../../../shared/host/runtime/load-config.js';
import { type FakeGcs, startFakeGcs } from '../../../fakes/gcs.js';

/** A metadata server that hands out `token` to requests carrying `Metadata-Flavor: Google`. */
async function metadataServer(token: string): Promise<{ host: string; hits: number; stop(): Promise<void> }> {
  const state = { hits: 0 };
  const server: Server = createServer((req, res) => {
    state.hits++;
    if (req.headers['metadata-flavor'] !== 'Google' || !req.url?.endsWith('/service-accounts/default/token')) {
      res.writeHead(403).end('missing Metadata-Flavor');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ access_token: token, expires_in: 3599, token_type: 'Bearer' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    get hits() {
      return state.hits;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const put = (gcs: FakeGcs, bucket: string, key: string, body: string | Buffer) =>
  gcs.buckets.get(bucket)?.set(key, {
    body: Buffer.from(body),
    contentType: 'application/yaml',
    generation: 1,
    updated: new Date(),
  });

describe('the estate config from gs:// without the Storage client', () => {
  let gcs: FakeGcs;
  beforeEach(async () => {
    gcs = await startFakeGcs();
    gcs.createBucket('ops-config');
    put(gcs, 'ops-config', 'estate/3f9a.yaml', 'estate: from-gcs\ntimezone: Asia/Taipei\n');
  });
  afterEach(() => gcs.stop());

  it.each([
    ['a bare host', (url: string) => url.replace('http://', '')],
    ['the base URL the Node Storage client takes', (url: string) => `${url}/storage/v1`],
  ])('loads it from the emulator STORAGE_EMULATOR_HOST names as %s, sending no token', async (_form, host) => {
    const estate = await loadConfig(EstateSchema, 'gs://ops-config/estate/3f9a.yaml', {
      env: { STORAGE_EMULATOR_HOST: host(gcs.url) },
    });
    expect(estate).toMatchObject({ estate: 'from-gcs', timezone: 'Asia/Taipei' });
    expect(gcs.requests).toEqual([
      { line: 'GET /storage/v1/b/ops-config/o/estate%2F3f9a.yaml?alt=media', authorization: undefined },
    ]);
  });

  it('on Google Cloud, authenticates with the metadata server token', async () => {
    const metadata = await metadataServer('tok-from-metadata');
    try {
      const body = await readGcsObject('ops-config', 'estate/3f9a.yaml', {
        maxBytes: 1024,
        apiRoot: gcs.url,
        env: { K_SERVICE: 'opsfn-rollback', GCE_METADATA_HOST: metadata.host },
      });
      expect(body.toString()).toContain('estate: from-gcs');
      expect(metadata.hits).toBe(1);
      expect(gcs.requests[0]?.authorization).toBe('Bearer tok-from-metadata');
    } finally {
      await metadata.stop();
    }
  });

  it.each([
    [
      'a missing object',
      'gs://ops-config/estate/nope.yaml',
      /cannot read: gs:\/\/ops-config\/estate\/nope\.yaml: no such object/,
    ],
    [
      'a missing bucket',
      'gs://no-bucket/opsfn.yaml',
      /no-bucket\/opsfn\.yaml: the bucket does not exist \(GCS answered 404/,
    ],
    [
      'a denied bucket',
      'gs://secret-config/opsfn.yaml',
      /access denied: gs:\/\/secret-config\/opsfn\.yaml: GCS answered 403/,
    ],
    ['a file over 1 MiB', 'gs://ops-config/huge.yaml', /huge\.yaml: 1048577 bytes exceeds the limit of 1048576/],
  ])('refuses %s with a clear error', async (_case, url, why) => {
    gcs.createBucket('secret-config');
    gcs.deny('secret-config');
    put(gcs, 'ops-config', 'huge.yaml', Buffer.alloc(1024 * 1024 + 1, 0x61));
    await expect(loadConfig(EstateSchema, url, { env: { STORAGE_EMULATOR_HOST: gcs.url } })).rejects.toThrow(why);
  });

  it('gives up on a store that never answers', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      await expect(
        readGcsObject('ops-config', 'opsfn.yaml', {
          maxBytes: 1024,
          timeoutMs: 300,
          env: { STORAGE_EMULATOR_HOST: `127.0.0.1:${(silent.address() as AddressInfo).port}` },
        }),
      ).rejects.toThrow('gs://ops-config/opsfn.yaml: timed out');
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
