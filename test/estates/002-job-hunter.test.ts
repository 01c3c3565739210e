import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupResult } from '../../functions/backup-verify/types.js';
import { DockerEngine } from '../../shared/adapters/platforms/docker-engine.js';
import { writeUrl } from '../../shared/adapters/storage/index.js';
import type { RecordingServer } from '../fakes/recording-server.js';
import { tarArchive } from '../functions/backup-verify/fixtures.js';
import {
  appService,
  composeUp,
  importAppImage,
  removeImages,
  removeProject,
  uniqueSuffix,
  writeComposeFile,
} from '../support/docker.js';
import { freePort } from '../support/local-process.js';
import { REDIS_URL } from '../support/redis-prefix.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';
import {
  exampleDoc,
  nextRun,
  type RunningEstate,
  replaceAll,
  runScheduled,
  startEstate,
  startInbox,
  stopEstate,
  waited,
} from './harness.js';
import { alertmanager, localStamp, pgDatabase, serveEstate, startApp, startTlsHosts } from './stand-ins.js';

// Runbook 002 (MBA Job Hunter, docker compose): examples/002-job-hunter.yaml on local stand-ins, every function it
// configures end to end, and the Friday restore test fired by the embedded scheduler at the estate's time.

const TOKEN = 'oncall-token-002-c41d';
const TZ = 'Asia/Taipei';
const sfx = uniqueSuffix();
const repo = `opsfn-test-${sfx}/mba-job-hunter-api`;
const project = `opsfn-estate-002-${sfx}`;
const engine = new DockerEngine();

let running: RunningEstate;
let served: Awaited<ReturnType<typeof serveEstate>>;
let inbox: RecordingServer;
let s3: S3TestServer;
let main: Awaited<ReturnType<typeof pgDatabase>>;
let dir: string;
let file: string;
let port: number;
const stops: (() => Promise<unknown>)[] = [];

const api = async () => (await engine.containers(project, 'api')).filter((c) => c.state === 'running');
/** The API as compose runs it: httpd on :$PORT, or (a second container on the host network) waiting its turn. */
const apiService = (tag: string) => ({
  ...appService(`${repo}:${tag}`, port),
  // The port is written out: compose would substitute a `$PORT` in the file from its own environment.
  command: ['/bin/sh', '-c', `/bin/httpd -f -p ${port} -h /www || exec /bin/sleep 3600`],
});
let dump: Buffer | undefined;
/** backup_daily.sh of the runbook: `pg_dump | gzip` uploaded as db_$DATE.sql.gz, config_$DATE.tar.gz kept on the host. */
async function dailyBackup(at: Date): Promise<void> {
  const stamp = localStamp(at, TZ);
  dump ??= gzipSync(await main.dump());
  await writeUrl(`s3://mba-job-hunter-backups/db_${stamp}.sql.gz`, dump, { endpoints: { s3: { url: s3.endpoint } } });
  await writeFile(join(dir, 'backups', 'daily', `config_${stamp}.tar.gz`), await tarArchive(true));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opsfn-estate-002-'));
  await mkdir(join(dir, 'backups', 'daily'), { recursive: true });
  port = await freePort();
  const [app, tls] = await Promise.all([
    startApp({
      '/health': 200,
      '/api/v1/jobs': 200,
      '/metrics': { status: 200, body: 'http_requests_total{code="200"} 42' },
    }),
    startTlsHosts(['yourdomain.com']),
    importAppImage(repo, 'v1', 200),
    importAppImage(repo, 'v2', 500),
  ]);
  [s3, inbox, main] = await Promise.all([
    startS3Server(['mba-job-hunter-backups']),
    startInbox(),
    // The API's database: the jobs it serves, random enough that its gzipped dump is over the 1 MiB floor.
    pgDatabase(
      'CREATE TABLE jobs (id bigint PRIMARY KEY, title text, company text); INSERT INTO jobs SELECT g, md5(g::text), md5((g * 7)::text) FROM generate_series(1, 40000) g;',
    ),
  ]);
  stops.push(app.close, tls.close, s3.stop, () => inbox.stop(), main.drop);
  stops.push(
    () => removeProject(project),
    () => removeImages(`${repo}:v1`, `${repo}:v2`),
    () => rm(dir, { recursive: true, force: true }),
  );
  process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;

  file = await writeComposeFile(dir, { api: apiService('v1') });
  await composeUp(project, file);

  const doc = exampleDoc('002-job-hunter.yaml');
  replaceAll(doc, 'http://localhost:8000/metrics', `${app.url}/metrics`);
  // busybox httpd answers /health with a redirect to /health/, where a Python API answers at once.
  replaceAll(doc, 'http://localhost:8000/health', `http://127.0.0.1:${port}/health/`);
  replaceAll(doc, 'http://api:8000', `http://127.0.0.1:${port}`);
  replaceAll(doc, 'https://staging.yourdomain.com', app.url);
  replaceAll(doc, 'file:///backups/', `file://${dir}/backups/`);
  Object.assign(doc.services.api, { project, files: [file] });
  doc.endpoints = { s3: { url: s3.endpoint } };
  doc.certificates.endpoints = [tls.endpoint('yourdomain.com')];
  doc.certificates.caFile = tls.caFile;
  running = await startEstate(doc, {
    env: {
      OPSFN_TOKEN: TOKEN,
      DATABASE_URL: main.url,
      RESTORE_TEST_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      REDIS_URL,
      JOB_HUNTER_ONCALL_WEBHOOK_URL: `${inbox.url}/oncall`,
    },
  });
  served = await serveEstate(running);
}, 90_000);

afterAll(() => stopEstate(served, running, stops), 60_000);

describe('estate 002 (MBA Job Hunter on docker compose) on local stand-ins', () => {
  it("checks yourdomain.com's certificate", async () => {
    expect((await served.call('/certExpiry', TOKEN, {})).body).toMatchObject({ outcome: 'ok' });
  });

  it('rolls the API back to the image that served before, confirmed by probing /health itself', async () => {
    // opsfn sees v1 serve, then a person deploys a broken v2 with `docker-compose up -d`.
    await served.call('/rollback', TOKEN, alertmanager([{ labels: { alertname: 'HighErrorRate' } }]));
    await writeComposeFile(dir, { api: apiService('v2') });
    await composeUp(project, file);
    // The alert fires once v2 has failed for a while, as Alertmanager's `for:` would have it.
    for (let i = 0; i < 100 && (await api())[0]?.health !== 'unhealthy'; i++)
      await new Promise((r) => setTimeout(r, 200));
    const before = waited.length;
    const reply = await served.call('/rollback', TOKEN, alertmanager([{ labels: { alertname: 'HighErrorRate' } }]));
    expect(reply.body).toMatchObject({ outcome: 'ok', summary: `rolled api back ${repo}:v2 → ${repo}:v1; recovered` });
    expect((await api()).map((c) => c.image)).toEqual([`${repo}:v1`]);
    expect(waited.slice(before)).toContain(120_000);
    expect(inbox.find('POST', /^\/oncall$/).length).toBeGreaterThan(0);
  }, 60_000);

  it("scales the API out to the plan's two instances on HighLatency", async () => {
    const reply = await served.call('/autoscale', TOKEN, alertmanager([{ labels: { alertname: 'HighLatency' } }]));
    expect(reply.body).toMatchObject({ outcome: 'ok', summary: 'api: up 1 → 2' });
    expect((await api()).length).toBe(2);
  }, 60_000);

  it('sweeps the API, its metrics, PostgreSQL and Redis', async () => {
    const reply = await served.call('/healthSweep', TOKEN, {});
    expect(reply.body).toMatchObject({ summary: '4 check(s): 4 ok, 0 warn, 0 fail' });
  });

  it('runs the quarterly drill: restores the newest dump, measures the RPO from its heartbeat, checks staging', async () => {
    expect((await served.call('/drDrill', TOKEN, { task: 'heartbeat' })).body).toMatchObject({ outcome: 'ok' });
    await dailyBackup(new Date(Date.now() - 60_000));
    const { record } = await served.drill('quarterly-full', TOKEN);
    expect(record).toMatchObject({ status: 'passed', measurements: { rpoSource: 'heartbeat', rpoOk: true } });
  }, 60_000);

  it('verifies the dumps in S3 and the config archives on the host, and restores on Friday at 10:00', async () => {
    const { at: friday } = await nextRun(running, 'backup-restore-test');
    // Every day's backup until that Friday, taken at 02:00 (retention looks for gaps between days).
    for (let day = 1; day * 86_400_000 < friday.getTime() - Date.now() + 86_400_000; day++)
      await dailyBackup(new Date(friday.getTime() - 8 * 3_600_000 - (day - 1) * 86_400_000));
    const { at, timeZone, envelope } = await runScheduled(running, 'backup-restore-test');
    expect(at).toEqual(friday);
    expect(timeZone).toBe(TZ);
    expect(localStamp(at, TZ)).toMatch(/_100000$/);
    expect(new Intl.DateTimeFormat('en', { timeZone: TZ, weekday: 'long' }).format(at)).toBe('Friday');
    const results = Object.fromEntries((envelope.items as BackupResult[]).map((r) => [r.backup, r]));
    expect(results['pg-daily']?.checks.find((c) => c.name === 'assertion')).toMatchObject({
      status: 'ok',
      detail: 'jobs present: "40000" as expected',
    });
    expect(results['config-archives']).toMatchObject({ status: 'ok' });
    expect(envelope.outcome).toBe('ok');
  });
});
