import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { didYouMean, knownNames } from '../../../../shared/core/config/references.js';
import { packageRoot } from '../../../../shared/host/runtime/index.js';
import { configIssues } from '../../../support/estate.js';

const services = {
  backend: { platform: 'kubernetes', context: 'prod', namespace: 'app', deployment: 'backend' },
  frontend: { platform: 'cloud-run', project: 'p1', region: 'us-central1', name: 'frontend' },
};
const databases = {
  main: { kind: 'postgres', url: 'postgres://app@db/app' },
  sql: { kind: 'cloud-sql', project: 'p1', instance: 'db' },
};
const dumps = (scratch: Record<string, string>) => ({
  kind: 'object-store',
  url: 'file:///backups/',
  restoreTest: { scratch, assertions: [{ sql: 'SELECT 1', min: 1 }] },
});
const issues = (estate: Record<string, unknown>) => configIssues(stringify({ services, databases, ...estate }));
const drill = (steps: unknown[], extra: Record<string, unknown> = {}) => ({
  drills: { q: { targets: { rto: '1h', rpo: '26h' }, steps, ...extra } },
});

describe('did you mean', () => {
  it.each([
    ['backnd', ['backend', 'agent'], 'backend'],
    ['Backend', ['backend'], 'backend'],
    ['slack_alerts', ['slack-alerts'], 'slack-alerts'],
    ['postgres-primary', ['primary', 'replica'], undefined],
    ['x', [], undefined],
  ])('suggests for %s among %j: %s', (name, known, expected) => {
    expect(didYouMean(name, known)).toBe(expected);
  });

  it('lists the known names and says when there are none', () => {
    expect(knownNames('gatway', ['gateway', 'user'])).toBe('(known: gateway, user; did you mean "gateway"?)');
    expect(knownNames('gateway', [])).toBe('(none are defined)');
  });
});

describe('cross-references checked when the estate loads', () => {
  it.each([
    [
      'a rollback policy service',
      { rollback: { policies: [{ match: { alert: 'E' }, service: 'backnd', errorRate: { threshold: '5%' } }] } },
      'rollback.policies[0].service: unknown service "backnd" (known: backend, frontend; did you mean "backend"?)',
    ],
    [
      'an autoscale policy service',
      { autoscale: { policies: [{ match: { alert: 'L' }, service: 'fronted', up: { max: 3 } }] } },
      'autoscale.policies[0].service: unknown service "fronted" (known: backend, frontend; did you mean "frontend"?)',
    ],
    [
      'a health alert service',
      { health: { alerts: [{ match: { alert: 'Down' }, service: 'api' }] } },
      'health.alerts[0].service: unknown service "api" (known: backend, frontend)',
    ],
    [
      'a health check service',
      { health: { checks: [{ name: 'up', kind: 'platform', service: 'backed' }] } },
      'health.checks[0].service: unknown service "backed" (known: backend, frontend; did you mean "backend"?)',
    ],
    [
      'a drill backup',
      {
        backups: { 'pg-daily': dumps({ postgres: 'postgres://s@h/x' }) },
        ...drill([{ step: 'db.restoreDump', backup: 'pg-dialy', scratch: { postgres: 'postgres://s@h/x' } }]),
      },
      'drills.q.steps[0].backup: unknown backup "pg-dialy" (known: pg-daily; did you mean "pg-daily"?)',
    ],
    [
      'a drill heartbeat database',
      drill([{ step: 'http.check', url: 'https://x/health' }], { heartbeat: { database: 'sql' } }),
      'drills.q.heartbeat.database: expected a postgres or mysql entry of databases, "sql" is not (main is)',
    ],
    [
      'a db.assert of',
      {
        backups: { 'pg-daily': dumps({ postgres: 'postgres://s@h/x' }) },
        ...drill([
          { step: 'db.restoreDump', backup: 'pg-daily', scratch: { postgres: 'postgres://s@h/x' } },
          { step: 'db.assert', of: 'restor', assertions: [{ sql: 'SELECT 1', min: 1 }] },
        ]),
      },
      'drills.q.steps[1].of: "restor" is not an earlier db.restoreDump, or sql.clone / sql.restoreBackup with connect (earlier copies: restore)',
    ],
    [
      'a run.deploy service',
      drill([{ step: 'run.deploy', service: 'backend', region: 'us-west1' }]),
      'drills.q.steps[0].service: expected a cloud-run entry of services, "backend" is not (frontend is)',
    ],
    [
      'a notify route channel',
      {
        notify: {
          channels: { oncall: { type: 'webhook', url: 'https://h/x' } },
          routes: [{ severity: 'critical', channels: ['oncal'] }],
        },
      },
      'notify.routes[0].channels[0]: unknown channel "oncal" (known: oncall; did you mean "oncall"?)',
    ],
    [
      'a notify route function',
      {
        notify: {
          channels: { oncall: { type: 'webhook', url: 'https://h/x' } },
          routes: [{ severity: 'critical', channels: ['oncall'], functions: ['rolback'] }],
        },
      },
      'notify.routes[0].functions[0]: unknown function "rolback" (known: backupVerify, certExpiry, autoscale, rollback, drDrill, healthSweep; did you mean "rollback"?)',
    ],
    [
      'a scoped token grant',
      { auth: { tokens: [{ name: 'am', token: { env: 'AM' }, allow: [{ function: 'autoScale' }] }] } },
      'auth.tokens[0].allow[0].function: unknown function "autoScale" (known: backupVerify, certExpiry, autoscale, rollback, drDrill, healthSweep, control, metrics; did you mean "autoscale"?)',
    ],
    [
      "a drill's scratch engine against the backup's restore test",
      {
        backups: { 'pg-daily': dumps({ postgres: 'postgres://s@h/x' }) },
        ...drill([{ step: 'db.restoreDump', backup: 'pg-daily', scratch: { mysql: 'mysql://s@h/' } }]),
      },
      'drills.q.steps[0].scratch: expected a postgres scratch server: backups.pg-daily.restoreTest restores these dumps into postgres',
    ],
    [
      "a restored copy's engine against the heartbeat's database",
      {
        backups: { 'my-daily': { kind: 'object-store', url: 'file:///backups/' } },
        ...drill([{ step: 'db.restoreDump', backup: 'my-daily', scratch: { mysql: 'mysql://s@h/' } }], {
          heartbeat: { database: 'main' },
        }),
      },
      'drills.q.steps[0]: the copy is mysql but heartbeat.database "main" is postgres: its heartbeat cannot be read from it',
    ],
    [
      'a schedule override naming no job',
      { schedules: { 'health-sweeep': { schedule: '0 9 * * *' } } },
      `schedules.health-sweeep: unknown job "health-sweeep" in ${join(packageRoot(), 'schedules')} (known: autoscale-sweep, backup-restore-test, backup-verify, cert-expiry, dr-drill-heartbeat, dr-drill-janitor, dr-drill-quarter-end, dr-drill-quarterly-full, health-sweep; did you mean "health-sweep"?)`,
    ],
    [
      'a schedule override starting a plan the estate has not',
      {
        backups: { 'pg-daily': dumps({ postgres: 'postgres://s@h/x' }) },
        ...drill([{ step: 'db.restoreDump', backup: 'pg-daily', scratch: { postgres: 'postgres://s@h/x' } }]),
        schedules: { 'dr-drill-quarter-end': { schedule: '0 3 28 3,6,9,12 *' } },
      },
      'schedules.dr-drill-quarter-end: job "dr-drill-quarter-end" starts plan "quarter-end", which this estate has not (plans: q)',
    ],
    [
      'a schedule override payload naming a plan the estate has not',
      {
        backups: { 'pg-daily': dumps({ postgres: 'postgres://s@h/x' }) },
        ...drill([{ step: 'db.restoreDump', backup: 'pg-daily', scratch: { postgres: 'postgres://s@h/x' } }]),
        schedules: { 'dr-drill-quarterly-full': { payload: { plan: 'qq' } } },
      },
      'schedules.dr-drill-quarterly-full.payload.plan: unknown drill plan "qq" (known: q; did you mean "q"?)',
    ],
  ])('names %s', async (_, estate, line) => {
    expect(await issues(estate)).toContain(line);
  });

  it('accepts overrides of known jobs', async () => {
    expect(
      await issues({
        backups: { 'pg-daily': dumps({ postgres: 'postgres://s@h/x' }) },
        schedules: {
          'backup-verify': { schedule: '0 10 * * *', timeZone: 'Asia/Shanghai' },
          'backup-restore-test': { paused: false },
          'cert-expiry': { paused: true },
        },
      }),
    ).toEqual([]);
  });

  it.each([
    [
      { 'backup-verify': { schedule: 'every day' } },
      'schedules.backup-verify.schedule: expected a unix-cron expression',
    ],
    [{ 'backup-verify': { timeZone: 'Mars/Olympus' } }, 'schedules.backup-verify.timeZone: expected an IANA time zone'],
    [{ 'backup-verify': { function: 'rollback' } }, 'schedules.backup-verify: Unrecognized key: "function"'],
  ])('refuses a malformed override (%#)', async (schedules, line) => {
    expect((await issues({ schedules })).join('\n')).toContain(line);
  });
});
