import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { drDrill } from '../../../functions/dr-drill/handler.js';
import { REDACTED } from '../../../shared/core/audit/redactor.js';
import { RedisStateStore } from '../../../shared/core/state/redis.js';
import { captureLogs, testEstate } from '../../support/estate.js';
import { recordingNotifier } from '../../support/recording-notifier.js';
import { REDIS_URL, redisPrefix } from '../../support/redis-prefix.js';
import { serveRuntime } from '../../support/serve.js';
import { databasesLike, drillEstate } from './fixtures.js';
import { setup, useCleanups } from './harness.js';

const cleanups = useCleanups();
const redis = redisPrefix('drill-secrets');
afterAll(() => redis.drop());

const PASSWORD = 'Lit3ral-Scratch-Pw';
const TOKEN = 'Bearer lit3ral-check-token';

/** A readiness endpoint that answers 200 only to the right token, and echoes the header it got, as a careless one does. */
async function echoingReady() {
  const server = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    res.writeHead(auth === TOKEN ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', checks: { database: 'ok', seenAuthorization: auth } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('drDrill with secrets written as literals', () => {
  it('never lets a literal scratch password or header value out: GET /drDrill, Redis, reports, logs', async () => {
    const { prod, work } = await setup(cleanups, 'postgres', 20);
    await work.putDump('db_prod.sql.gz', await prod.dump());
    const ready = await echoingReady();
    cleanups.push(() => ready.stop());
    const config = testEstate({
      ...drillEstate({
        prod,
        backupsUrl: work.backupsUrl,
        reportsUrl: work.reportsUrl,
        plan: {
          targets: { rto: '30m', rpo: '26h' },
          steps: [
            // The local server trusts loopback, so the password is carried but never checked.
            {
              step: 'db.restoreDump',
              // Not "restore": other test files look for new databases ending in _restore meanwhile.
              name: 'copy',
              backup: 'dumps',
              scratch: { postgres: `postgres://postgres:${PASSWORD}@127.0.0.1:5432/postgres` },
            },
            { step: 'http.check', name: 'ready', url: `${ready.url}/ready`, headers: { authorization: TOKEN } },
          ],
        },
      }),
      state: { redis: REDIS_URL, prefix: redis.prefix },
    });
    const state = await RedisStateStore.open({ url: REDIS_URL, prefix: redis.prefix });
    const logs = captureLogs();
    const served = await serveRuntime({
      config,
      functions: [drDrill],
      state,
      notifier: recordingNotifier(),
      logSink: logs.sink,
    });
    cleanups.push(() => served.stop());

    const res = await fetch(`${served.url}/drDrill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ plan: 'quarterly-db' }),
    });
    expect(res.status).toBe(202);
    const { drill: id } = (await res.json()) as { drill: string };
    let text = '';
    for (let i = 0; i < 300; i++) {
      text = await (await fetch(`${served.url}/drDrill?id=${id}`)).text();
      if (/"status":"(passed|failed|cancelled)"/.test(text)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // Passing proves each invocation put the values back: the check needs the exact token.
    expect(JSON.parse(text)).toMatchObject({ status: 'passed' });
    expect(await databasesLike('postgres', `opsfn_drill_${id}`)).toEqual([]);

    const leaks = (where: string, value: string) => {
      expect(value, where).not.toContain(PASSWORD);
      expect(value, where).not.toContain('lit3ral-check-token');
    };
    leaks('GET /drDrill', text);
    expect(text).toContain(`postgres://postgres:${REDACTED}@127.0.0.1:5432/postgres`);

    const stored = await redis.values();
    const record = stored[`${redis.prefix}drill:${id}`] ?? '';
    expect(record).toContain(REDACTED);
    for (const [key, value] of Object.entries(stored)) leaks(`redis ${key}`, value);

    const reports = Object.entries(await work.reports());
    expect(reports.map(([name]) => name.slice(-4))).toEqual(expect.arrayContaining(['json', 'html']));
    for (const [name, body] of reports) leaks(`report ${name}`, body);
    expect(reports.find(([name]) => name.endsWith('.json'))?.[1]).toContain(REDACTED);

    expect(logs.lines.length).toBeGreaterThan(0);
    for (const line of logs.lines) leaks('log line', line);
  });
});
