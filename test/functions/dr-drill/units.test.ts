import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DrillPlanSchema, DrillsSchema } from '../../../functions/dr-drill/config.js';
import { measure } from '../../../functions/dr-drill/measure.js';
import type { DrillRecord, StepRecord } from '../../../functions/dr-drill/model.js';
import { assertDrillResource, drillLabels, resourceName } from '../../../functions/dr-drill/naming.js';
import { nameSteps, resolvePlan } from '../../../functions/dr-drill/plan.js';
import { esc, renderHtmlReport } from '../../../functions/dr-drill/report/html.js';
import { EstateSchema } from '../../../functions/estate.js';
import { formatZodIssues } from '../../../shared/core/config/zod-issues.js';

const START = '2026-01-15T02:00:00.000Z';
const at = (s: number) => new Date(Date.parse(START) + s * 1000).toISOString();
const plan = DrillPlanSchema.parse({
  targets: { rto: '30m', rpo: '1h' },
  steps: [
    { step: 'db.restoreDump', backup: 'b', scratch: { postgres: 'postgres://h/postgres' } },
    { step: 'http.check', url: 'http://x/ready' },
  ],
});

function drill(steps: Partial<StepRecord>[], extra: Partial<DrillRecord> = {}): DrillRecord {
  return {
    id: 'abcd0123',
    plan: 'p',
    definition: plan,
    status: 'running',
    startedAt: START,
    startedBy: 'token:0',
    updatedAt: START,
    steps: steps.map((s, i) => ({ name: `s${i}`, step: 'http.check', status: 'ok', attempts: 1, ...s }) as StepRecord),
    resources: [],
    runs: [],
    ...extra,
  };
}

describe('measure', () => {
  it('takes the RTO from the last recovery step and the RPO from the heartbeat, without the approval wait', () => {
    const m = measure(
      drill(
        [
          { step: 'db.restoreDump', finishedAt: at(600), data: { recoveredDataAt: at(-1500), rpoSource: 'heartbeat' } },
          { step: 'http.check', finishedAt: at(1500) },
          { step: 'cleanup', finishedAt: at(9000) },
        ],
        { approval: { required: true, requestedAt: at(0), approvedAt: at(300) } },
      ),
    );
    expect(m).toMatchObject({
      rto: 1200,
      rpo: 1500,
      rpoSource: 'heartbeat',
      rtoOk: true,
      rpoOk: true,
      approvalWait: 300,
    });
  });

  it('reports no RTO when a recovery step failed and a missed RPO from an old backup', () => {
    const m = measure(
      drill([
        { step: 'db.restoreDump', finishedAt: at(60), data: { recoveredDataAt: at(-7200), rpoSource: 'backup' } },
        { step: 'http.check', status: 'fail', finishedAt: at(90) },
      ]),
    );
    expect(m.rto).toBeUndefined();
    expect(m.rtoOk).toBe(false);
    expect(m).toMatchObject({ rpo: 7200, rpoOk: false, rpoSource: 'backup' });
    expect(m.notes[0]).toContain('step s1 is fail');
  });
});

describe('naming and the prefix rule', () => {
  it('names resources with the drill prefix and refuses anything else', () => {
    expect(resourceName('cloud-run', 'abcd0123', 'deploy')).toBe('opsfn-drill-abcd0123-deploy');
    expect(resourceName('scratch-db', 'abcd0123', 'restore-2')).toBe('opsfn_drill_abcd0123_restore_2');
    expect(() => resourceName('cloud-sql', '../x', 'a')).toThrow('invalid drill id');
    expect(() => assertDrillResource('cloud-sql', 'business-exchange-db', 'abcd0123')).toThrow(
      'does not carry the drill prefix',
    );
    expect(() => assertDrillResource('cloud-sql', 'opsfn-drill-ffff0000-clone', 'abcd0123')).toThrow(
      'opsfn-drill-abcd0123',
    );
    expect(() => assertDrillResource('cloud-sql', 'opsfn-drill-abcd0123', 'abcd0123')).toThrow();
    expect(() => assertDrillResource('cloud-run', 'opsfn-drill-ffff0000-deploy')).not.toThrow();
    expect(() => assertDrillResource('scratch-db', 'opsfn_drill_xyz_restore')).toThrow();
    expect(drillLabels('abcd0123', new Date(START))).toEqual({
      'opsfn-drill': 'abcd0123',
      'opsfn-expires': '1768442400',
    });
  });
});

describe('plan schema', () => {
  it('names steps, appends cleanup and keeps user names', () => {
    const steps = nameSteps(
      DrillPlanSchema.parse({
        targets: { rto: '1h', rpo: '1h' },
        steps: [
          { step: 'http.check', url: 'http://a' },
          { step: 'http.check', url: 'http://b' },
          { step: 'wait', name: 'settle', duration: '5m' },
        ],
      }),
    );
    expect(steps.map((s) => s.name)).toEqual(['check', 'check-2', 'settle', 'cleanup']);
  });

  it('rejects a misplaced cleanup, a bad regex, a bad step name and a bad plan name with the path', () => {
    const bad = DrillsSchema.safeParse({
      ok: {
        targets: { rto: '1h', rpo: 'soon' },
        steps: [{ step: 'cleanup' }, { step: 'http.check', name: 'UPPER', url: 'http://a', expect: { body: '(' } }],
      },
    });
    const misplaced = DrillsSchema.safeParse({
      p: { targets: { rto: '1h', rpo: '1h' }, steps: [{ step: 'cleanup' }, { step: 'wait', duration: '1s' }] },
    });
    expect(misplaced.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'p.steps.0: cleanup must be the last step',
    ]);
    const named = DrillsSchema.safeParse({
      'Bad Name': { targets: { rto: '1h', rpo: '1h' }, steps: [{ step: 'wait', duration: '1s' }] },
    });
    expect(named.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'Bad Name: expected a plan name like "quarterly-db", got "Bad Name"',
    ]);
    expect(bad.success).toBe(false);
    const issues = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues).toEqual(
      expect.arrayContaining([
        'ok.targets.rpo: expected duration like "26h", got "soon"',
        'ok.steps.1.name: expected a step name like "restore" (a-z0-9-, at most 16 chars)',
        'ok.steps.1.expect.body: expected a valid regular expression',
      ]),
    );
  });

  it("takes only a heartbeat table of opsfn's own, which it creates and writes in production", () => {
    const withTable = (table: string) =>
      DrillsSchema.safeParse({
        p: {
          targets: { rto: '1h', rpo: '1h' },
          heartbeat: { database: 'main', table },
          steps: [{ step: 'wait', duration: '1s' }],
        },
      });
    expect(withTable('opsfn_heartbeat').success).toBe(true);
    expect(withTable('opsfn_beat_2').success).toBe(true);
    // An application's table with the same columns would have its row overwritten; `user` is a reserved word.
    for (const table of ['users', 'user', 'heartbeat', 'opsfn_', 'OPSFN_HEARTBEAT', `opsfn_${'x'.repeat(58)}`]) {
      expect(
        withTable(table).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
        table,
      ).toEqual([
        'p.heartbeat.table: expected a table of opsfn\'s own, named like "opsfn_heartbeat": opsfn creates and writes it in production',
      ]);
    }
  });
});

describe('which steps db.assert can check', () => {
  const estateWith = (steps: unknown[]) =>
    EstateSchema.parse({
      estate: 't',
      databases: { main: { kind: 'cloud-sql', project: 'p', instance: 'db' } },
      drills: { p: { targets: { rto: '1h', rpo: '1h' }, steps } },
    });
  const issuesWith = (steps: unknown[]) => {
    const parsed = EstateSchema.safeParse({
      estate: 't',
      databases: { main: { kind: 'cloud-sql', project: 'p', instance: 'db' } },
      drills: { p: { targets: { rto: '1h', rpo: '1h' }, steps } },
    });
    return parsed.success ? [] : formatZodIssues(parsed.error);
  };
  const assert = { step: 'db.assert', assertions: [{ sql: 'SELECT 1', equals: 1 }] };

  it('accepts a Cloud SQL copy with connect, and names which steps would do when there is none', () => {
    const connect = { postgres: 'postgres://reader@prod.internal/app' };
    expect(
      resolvePlan(estateWith([{ step: 'sql.clone', database: 'main', connect }, assert]), 'p').steps.map((s) => s.step),
    ).toEqual(['sql.clone', 'db.assert', 'cleanup']);
    // Checked when the estate loads, so a plan that cannot run is refused before its quarter comes.
    expect(issuesWith([{ step: 'sql.clone', database: 'main' }, assert])).toEqual([
      'drills.p.steps[1]: db.assert needs an earlier db.restoreDump, or sql.clone / sql.restoreBackup with connect',
    ]);
    expect(
      issuesWith([
        { step: 'sql.restoreBackup', database: 'main', connect },
        { ...assert, of: 'clone' },
      ]),
    ).toEqual([
      'drills.p.steps[1].of: "clone" is not an earlier db.restoreDump, or sql.clone / sql.restoreBackup with connect (earlier copies: restore-backup)',
    ]);
  });

  it('rejects a connect that is not a database URL, names no engine or both, or an unknown address type', () => {
    const step = (connect: unknown) => ({ step: 'sql.clone', instance: 'db', project: 'p', connect });
    const parsed = DrillsSchema.safeParse({
      p: {
        targets: { rto: '1h', rpo: '1h' },
        steps: [
          step({ postgres: 'http://x' }),
          step({ mysql: 'mysql://r@h/app', ipType: 'PUBLIC' }),
          step({}),
          step({ mysql: 'mysql://r@h/app', postgres: 'postgres://r@h/app' }),
        ],
      },
    });
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'p.steps.0.connect.postgres: expected a postgres:// URL',
      'p.steps.1.connect.ipType: Invalid option: expected one of "PRIVATE"|"PRIMARY"',
      'p.steps.2.connect: give exactly one of "postgres" or "mysql"',
      'p.steps.3.connect: give exactly one of "postgres" or "mysql"',
    ]);
  });
});

describe('HTML report', () => {
  it('escapes every interpolated value and draws the RTO target on the timeline', () => {
    const d = drill([{ name: 'x', detail: '<script>alert(1)</script>', startedAt: at(1), finishedAt: at(20) }], {
      status: 'failed',
      finishedAt: at(30),
      measurements: { targets: { rto: 1800, rpo: 3600 }, rtoOk: true, rpoOk: true, rto: 20, notes: [] },
      resources: [
        {
          kind: 'scratch-db',
          name: 'opsfn_drill_abcd0123_x',
          step: 'x',
          expiresAt: at(3600),
          state: 'leaked',
          recordedAt: at(0),
          detail: '"quoted"',
        },
      ],
    });
    const html = renderHtmlReport(d, ['a & b']);
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('a &#38; b');
    expect(html).toContain('RTO target 1800s');
    expect(html).toContain('&#34;quoted&#34;');
    expect(esc(`'`)).toBe('&#39;');
  });
});

describe('example plans', () => {
  it.each([
    ['examples/000-marketplace.yaml', 'quarterly-full', ['clone', 'data', 'frontend', 'frontend-up', 'cleanup']],
    ['examples/002-job-hunter.yaml', 'quarterly-full', ['restore', 'data', 'health', 'smoke', 'cleanup']],
    ['examples/004-after-sales.yaml', 'quarter-end', ['restore', 'data', 'health', 'cleanup']],
  ])('%s has a runnable %s plan', (file, plan, names) => {
    const estate = EstateSchema.parse(parse(readFileSync(join(import.meta.dirname, '../../..', file), 'utf8')));
    expect(resolvePlan(estate, plan).steps.map((s) => s.name)).toEqual(names);
  });

  it('every drill plan in the examples has a schedule that names it', () => {
    const root = join(import.meta.dirname, '../../..');
    const scheduled = new Set(
      readdirSync(join(root, 'schedules'))
        .filter((f) => f.startsWith('dr-drill-'))
        .map(
          (f) =>
            (parse(readFileSync(join(root, 'schedules', f), 'utf8')) as { payload?: { plan?: string } }).payload?.plan,
        ),
    );
    const plans = readdirSync(join(root, 'examples'))
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) =>
        Object.keys(EstateSchema.parse(parse(readFileSync(join(root, 'examples', f), 'utf8'))).drills ?? {}),
      );
    expect(plans.length).toBeGreaterThan(0);
    for (const plan of plans) expect(scheduled, `plan ${plan}`).toContain(plan);
  });
});
