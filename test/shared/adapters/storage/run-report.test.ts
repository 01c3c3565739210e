import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUrl } from '../../../../shared/adapters/storage/read-url.js';
import { runReportKey, writeRunReport } from '../../../../shared/adapters/storage/run-report.js';
import type { ResultEnvelope } from '../../../../shared/core/run/types.js';
import { type S3TestServer, startS3Server } from '../../../support/s3-server.js';

const envelope: ResultEnvelope = {
  function: 'backupVerify',
  runId: 'run-42',
  trigger: { kind: 'scheduled', id: 'daily' },
  dryRun: false,
  startedAt: '2026-11-22T02:05:09.120Z',
  finishedAt: '2026-11-22T02:05:30.000Z',
  outcome: 'warn',
  summary: '1 of 3 backups stale',
  items: [{ backup: 'pg-main', verdict: 'ok' }],
  actions: [],
  notifications: [],
};

let s3: S3TestServer;
let dir: string;
beforeAll(async () => {
  [s3, dir] = await Promise.all([startS3Server(['reports-bucket']), mkdtemp(join(tmpdir(), 'opsfn-reports-'))]);
});
afterAll(async () => {
  await Promise.all([s3?.stop(), dir && rm(dir, { recursive: true, force: true })]);
});

describe('runReportKey', () => {
  it('groups reports by function and UTC day, sorted by time', () => {
    expect(runReportKey('ops/', envelope)).toBe('ops/backupVerify/2026-11-22/020509Z-run-42.json');
    expect(runReportKey('ops', envelope)).toBe('ops/backupVerify/2026-11-22/020509Z-run-42.json');
    expect(runReportKey('', envelope)).toBe('backupVerify/2026-11-22/020509Z-run-42.json');
  });

  it('keeps hostile run ids inside one path segment', () => {
    const key = runReportKey('r/', { ...envelope, runId: '../../etc/passwd' });
    expect(key).toBe('r/backupVerify/2026-11-22/020509Z-__.._etc_passwd.json');
    expect(key.split('/')).toHaveLength(4);
  });
});

describe('writeRunReport', () => {
  it('writes the envelope as JSON to a file URL and returns where', async () => {
    const url = await writeRunReport(`file://${dir}/reports/`, envelope);
    expect(url).toBe(`file://${dir}/reports/backupVerify/2026-11-22/020509Z-run-42.json`);
    const written = JSON.parse(
      await readFile(join(dir, 'reports/backupVerify/2026-11-22/020509Z-run-42.json'), 'utf8'),
    );
    expect(written).toEqual(envelope);
  });

  it('writes the envelope to an S3 bucket', async () => {
    const options = { s3: { endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials } };
    const url = await writeRunReport('s3://reports-bucket/opsfn/', envelope, options);
    expect(url).toBe('s3://reports-bucket/opsfn/backupVerify/2026-11-22/020509Z-run-42.json');
    expect(JSON.parse((await readUrl(url, { ...options, maxBytes: 10_000 })).toString())).toEqual(envelope);
  });
});
