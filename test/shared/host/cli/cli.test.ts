import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { cliCatalogue } from '../../../../functions/catalogue.js';
import { registry } from '../../../../functions/registry.js';
import { composeEstateSchema } from '../../../../shared/core/config/compose.js';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { schedulesCommand } from '../../../../shared/host/cli/admin-cmds.js';
import { main } from '../../../../shared/host/cli/main.js';
import { packageRoot } from '../../../../shared/host/runtime/index.js';
import { captureIo } from '../../../support/cli-io.js';
import { type CallLog, makeMutateFunction } from '../../../support/mutate-function.js';

const dir = mkdtempSync(join(tmpdir(), 'opsfn-cli-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
// The shared CLI over the keys every estate has; no function contributes a section here.
const estate = composeEstateSchema([]);
const valid = write('valid.yaml', 'estate: cli-test\ntimezone: Asia/Shanghai\n');
const failing = defineFunction({
  name: 'failing',
  description: '',
  triggers: ['manual'],
  input: z.object({}),
  run: async () => ({ outcome: 'fail', summary: 'backup is stale' }),
});

// Job files of an estate's own, as `opsfn serve --schedules DIR` runs them: edge-sweep is not a packaged job.
const ownJobs = mkdtempSync(join(tmpdir(), 'opsfn-own-jobs-'));
writeFileSync(join(ownJobs, 'edge-sweep.yaml'), 'name: edge-sweep\nschedule: "*/5 * * * *"\nfunction: healthSweep\n');
const overridesOwnJob = write(
  'overrides-own-job.yaml',
  'estate: cli-test\ntimezone: Asia/Shanghai\nschedules:\n  edge-sweep: { schedule: "0 10 * * *" }\n',
);
const overridesPackagedJob = write(
  'overrides-packaged-job.yaml',
  'estate: cli-test\nschedules:\n  backup-verify: { paused: true }\n',
);
// The catalogue the binary runs with: the estate schema checks the overrides against the jobs a command runs.
const binary = (io = captureIo()) => ({ catalogue: cliCatalogue(registry), io });

function cli(calls: CallLog = new Map(), env: NodeJS.ProcessEnv = {}) {
  const io = captureIo(env);
  return { io, run: (argv: string[]) => main(argv, { functions: [makeMutateFunction(calls), failing], estate, io }) };
}

describe('opsfn config validate', () => {
  it('exits 0 for a valid file', async () => {
    const { io, run } = cli();
    expect(await run(['config', 'validate', valid])).toBe(0);
    expect(io.stdout()).toMatch(/: valid \(estate \S+, \d+ services?, mode (enforce|dry-run)\)/);
  });

  it('counts services in words that read right for one', async () => {
    const one = write(
      'one.yaml',
      'estate: solo\nservices:\n  web: { platform: cloud-run, project: p, region: europe-west1, name: web }\n',
    );
    const { io, run } = cli();
    expect(await run(['config', 'validate', one])).toBe(0);
    expect(io.stdout()).toContain('(estate solo, 1 service, mode enforce)');
  });

  it('exits 2 naming the path and the expectation', async () => {
    const bad = write('bad.yaml', 'guard:\n  lockTtl: soon\nservices:\n  web: { platform: heroku }\n');
    const { io, run } = cli();
    expect(await run(['config', 'validate', valid, bad])).toBe(2);
    expect(io.stderr()).toContain('guard.lockTtl: expected duration like "26h"');
    expect(io.stderr()).toMatch(/services\.web\.platform/);
  });

  it('takes the file with --config, as every other command does, beside positional files', async () => {
    const bad = write('bad-config.yaml', 'guard:\n  lockTtl: soon\n');
    const { io, run } = cli();
    expect(await run(['config', 'validate', '--config', valid])).toBe(0);
    expect(io.stdout()).toContain(`${valid}: valid`);
    const both = cli();
    expect(await both.run(['config', 'validate', '--config', valid, bad])).toBe(2);
    expect(both.io.stdout()).toContain(`${valid}: valid`);
    expect(both.io.stderr()).toContain('guard.lockTtl');
  });

  it('checks the overrides against the jobs of --schedules DIR, as serve --schedules DIR runs them', async () => {
    expect(await main(['config', 'validate', '--schedules', ownJobs, overridesOwnJob], binary())).toBe(0);
    const packaged = binary();
    expect(await main(['config', 'validate', '--schedules', ownJobs, overridesPackagedJob], packaged)).toBe(2);
    expect(packaged.io.stderr()).toContain(
      `schedules.backup-verify: unknown job "backup-verify" in ${ownJobs} (known: edge-sweep)`,
    );
    // Without it, the packaged jobs: the directory they came from is named.
    const own = binary();
    expect(await main(['config', 'validate', overridesOwnJob], own)).toBe(2);
    expect(own.io.stderr()).toContain(
      `schedules.edge-sweep: unknown job "edge-sweep" in ${join(packageRoot(), 'schedules')} (known: autoscale-sweep,`,
    );
  });

  it('reads OPSFN_CONFIG when no file is named', async () => {
    const { run } = cli(new Map(), { OPSFN_CONFIG: valid });
    expect(await run(['config', 'validate'])).toBe(0);
  });
});

describe('opsfn invoke', () => {
  it('prints the envelope alone on stdout with --json and exits 0', async () => {
    const calls: CallLog = new Map();
    const { io, run } = cli(calls);
    expect(await run(['invoke', 'mutate', '--config', valid, '--json', '--payload', '{"target":"web"}'])).toBe(0);
    const envelope = JSON.parse(io.stdout()) as { outcome: string; function: string };
    expect(envelope).toMatchObject({ function: 'mutate', outcome: 'ok' });
    expect(calls.get('web')).toBe(1);
    expect(io.stderr()).toContain('"audit":true');
  });

  it('exits 1 for a fail outcome and 2 for bad input or an unknown function', async () => {
    expect(await cli().run(['invoke', 'failing', '--config', valid])).toBe(1);
    expect(await cli().run(['invoke', 'mutate', '--config', valid, '--payload', '{"target":5}'])).toBe(2);
    expect(await cli().run(['invoke', 'nope', '--config', valid])).toBe(2);
    expect(await cli().run(['invoke', '--config', valid])).toBe(2);
  });

  it('dry-runs without calling anything', async () => {
    const calls: CallLog = new Map();
    const { io, run } = cli(calls);
    expect(await run(['invoke', 'mutate', '--config', valid, '--dry-run'])).toBe(0);
    expect(calls.size).toBe(0);
    expect(io.stdout()).toContain('(dry-run)');
  });

  it('refuses words it does not take rather than ignore them: a --dry-run after --, an event with a payload', async () => {
    const calls: CallLog = new Map();
    const { io, run } = cli(calls);
    expect(await run(['invoke', 'mutate', '--config', valid, '--', '--dry-run'])).toBe(2);
    expect(io.stderr()).toContain('unexpected "--dry-run"');
    const event = new URL('../../../fixtures/alertmanager/firing-batch.json', import.meta.url).pathname;
    expect(await run(['invoke', 'mutate', '--config', valid, '--event', event, '--payload', '{}'])).toBe(2);
    expect(calls.size).toBe(0);
    expect(await run(['pause', 'mutate', 'failing', '--config', valid])).toBe(2);
  });

  it('refuses in words, audits and exits 2 for an alert of a replayed batch it cannot read, running the rest', async () => {
    const calls: CallLog = new Map();
    const { io, run } = cli(calls);
    const batch = JSON.parse(
      readFileSync(new URL('../../../fixtures/alertmanager/firing-batch.json', import.meta.url), 'utf8'),
    ) as { alerts: Record<string, unknown>[] };
    const broken = write('broken-batch.json', JSON.stringify({ ...batch, alerts: [...batch.alerts, { labels: 7 }] }));
    expect(await run(['invoke', 'mutate', '--config', valid, '--event', broken, '--json'])).toBe(2);
    expect((JSON.parse(io.stdout()) as { results: unknown[] }).results).toHaveLength(batch.alerts.length);
    expect(io.stderr()).toMatch(/opsfn: mutate: refused one alert of the batch: .*alerts\[\d+\]/);
    expect(io.stderr()).toMatch(/"decision":"rejected"/);
  });

  it('stops a run on Ctrl-C as a shutdown does: aborted, its lock released, audited, exit 130', async () => {
    const prefix = `opsfn-test-${randomUUID()}:`;
    const redis = write('redis-sigint.yaml', `state: { redis: "redis://127.0.0.1:6379", prefix: "${prefix}" }\n`);
    let acting: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      acting = resolve;
    });
    // A change that waits until its run is aborted, holding the target's lock meanwhile.
    const holding = defineFunction({
      name: 'holding',
      description: '',
      triggers: ['manual'],
      input: z.object({}),
      run: async (ctx) => {
        await ctx.act('hold', 'db-primary', () => {
          acting();
          return new Promise((_, reject) =>
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }),
          );
        });
        return { outcome: 'ok', summary: 'held' };
      },
    });
    const io = captureIo({});
    const running = main(['invoke', 'holding', '--config', redis, '--log', 'json'], {
      functions: [holding],
      estate,
      io,
    });
    await started;
    const client = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    try {
      await client.connect();
      expect(await client.keys(`${prefix}lock:*`)).toHaveLength(1);
      process.emit('SIGINT');
      expect(await running).toBe(130);
      expect(io.stderr()).toContain('SIGINT: stopping holding');
      expect(io.stderr()).toMatch(/"action":"shutdown"/);
      expect(await client.keys(`${prefix}lock:*`)).toEqual([]);
      expect(process.listenerCount('SIGINT')).toBe(0);
    } finally {
      client.disconnect();
    }
  });

  it('replays a wire-format event file', async () => {
    const calls: CallLog = new Map();
    const { io, run } = cli(calls);
    const event = new URL('../../../fixtures/alertmanager/firing-batch.json', import.meta.url).pathname;
    expect(await run(['invoke', 'mutate', '--config', valid, '--event', event, '--json'])).toBe(0);
    expect((JSON.parse(io.stdout()) as { results: unknown[] }).results.length).toBeGreaterThan(1);
  });
});

describe('opsfn pause / resume', () => {
  it('refuses with memory state and no pause file, where a pause would be a no-op', async () => {
    const { io, run } = cli();
    expect(await run(['pause', '--config', valid])).toBe(2);
    expect(io.stderr()).toContain('cannot reach a running opsfn serve with memory state');
  });

  it('pauses and resumes through Redis so every instance sees it', async () => {
    const prefix = `opsfn-test-${randomUUID()}:`;
    const redis = write('redis.yaml', `state: { redis: "redis://127.0.0.1:6379", prefix: "${prefix}" }\n`);
    const calls: CallLog = new Map();
    expect(await cli().run(['pause', 'mutate', '--config', redis, '--reason', 'game day'])).toBe(0);
    const paused = cli(calls);
    expect(await paused.run(['invoke', 'mutate', '--config', redis, '--json'])).toBe(0);
    expect(JSON.parse(paused.io.stdout())).toMatchObject({ actions: [{ status: 'refused', by: 'kill-switch' }] });
    expect(calls.size).toBe(0);
    const resumed = cli();
    expect(await resumed.run(['resume', 'mutate', '--config', redis, '--log', 'json'])).toBe(0);
    expect(resumed.io.stderr()).toMatch(/"decision":"done".*"action":"resume"/);
    expect(await cli(calls).run(['invoke', 'mutate', '--config', redis])).toBe(0);
    expect(calls.get('svc')).toBe(1);
  });

  it('pauses a function whose own config section does not load: the kill switch does not depend on it', async () => {
    const prefix = `opsfn-test-${randomUUID()}:`;
    const broken = write(
      'redis-broken.yaml',
      `state: { redis: "redis://127.0.0.1:6379", prefix: "${prefix}" }\nrollback: { policies: 5 }\n`,
    );
    // The catalogue the binary runs with: each command loads the sections of the functions it names.
    const deps = () => ({ catalogue: cliCatalogue(registry), io: captureIo({}) });
    const pause = deps();
    expect(await main(['pause', 'rollback', '--config', broken], pause)).toBe(0);
    expect(pause.io.stdout()).toContain('paused rollback');
    expect(await main(['resume', 'rollback', '--config', broken], deps())).toBe(0);
  });

  it('audits a pause kept in the pause file, as one kept in the state store', async () => {
    const pauseFile = join(dir, `paused-${randomUUID()}`);
    const config = write('pause-file.yaml', `guard: { pauseFile: "${pauseFile}" }\n`);
    const pause = cli();
    expect(await pause.run(['pause', '--config', config, '--reason', 'game day', '--log', 'json'])).toBe(0);
    expect(pause.io.stderr()).toMatch(/"decision":"done".*"action":"pause".*"reason":"game day"/);
    const resume = cli();
    expect(await resume.run(['resume', '--config', config, '--log', 'json'])).toBe(0);
    expect(resume.io.stderr()).toMatch(/"decision":"done".*"action":"resume"/);
  });

  it('says so, and exits 1, when a pause of the other scope still holds after a resume', async () => {
    const prefix = `opsfn-test-${randomUUID()}:`;
    const redis = write('redis-scopes.yaml', `state: { redis: "redis://127.0.0.1:6379", prefix: "${prefix}" }\n`);
    expect(await cli().run(['pause', '--config', redis])).toBe(0);
    const one = cli();
    expect(await one.run(['resume', 'mutate', '--config', redis])).toBe(1);
    expect(one.io.stderr()).toContain('mutate still paused by a pause of every function');
    expect(await cli().run(['resume', '--config', redis])).toBe(0);
    expect(await cli().run(['pause', 'mutate', '--config', redis])).toBe(0);
    const all = cli();
    expect(await all.run(['resume', '--config', redis])).toBe(1);
    expect(all.io.stderr()).toContain('still paused by a pause of mutate');
  });
});

describe('opsfn serve', () => {
  it('serves /healthz and the functions on loopback', async () => {
    const io = captureIo();
    let stop: (() => Promise<void>) | undefined;
    let url = '';
    const code = await main(['serve', '--config', valid, '--port', '0', '--no-scheduler'], {
      functions: [makeMutateFunction(new Map())],
      estate,
      io,
      logSink: () => {},
      onServing: (s) => {
        stop = s.stop;
        url = s.url;
      },
    });
    expect(code).toBe(0);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ status: 'ok' });
    expect(
      (await fetch(`${url}/mutate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }))
        .status,
    ).toBe(200);
    await stop?.();
  });

  it("runs the packaged jobs with the estate's overrides, and refuses to start on an override naming no job", async () => {
    const jobs = mkdtempSync(join(tmpdir(), 'opsfn-serve-jobs-'));
    writeFileSync(join(jobs, 'mutate-daily.yaml'), 'name: mutate-daily\nschedule: "30 3 * * *"\nfunction: mutate\n');
    const overridden = write(
      'overridden.yaml',
      'estate: cli-test\ntimezone: Asia/Shanghai\nschedules:\n  mutate-daily: { schedule: "0 10 * * *" }\n',
    );
    const io = captureIo();
    let stop: (() => Promise<void>) | undefined;
    const serveWith = (config: string, out = io) =>
      main(['serve', '--config', config, '--port', '0', '--schedules', jobs], {
        functions: [makeMutateFunction(new Map())],
        estate,
        io: out,
        logSink: () => {},
        onServing: (s) => {
          stop = s.stop;
        },
      });
    expect(await serveWith(overridden)).toBe(0);
    // 10:00 in Shanghai is 02:00 UTC.
    expect(io.stderr()).toMatch(/schedule mutate-daily → mutate, next \S+T02:00:00\.000Z \(Asia\/Shanghai\)/);
    await stop?.();
    stop = undefined;
    const unknown = write('unknown-job.yaml', 'estate: cli-test\nschedules:\n  mutate-dayly: { paused: true }\n');
    const refused = captureIo();
    expect(await serveWith(unknown, refused)).toBe(2);
    expect(refused.stderr()).toContain(
      `schedules.mutate-dayly: unknown job "mutate-dayly" in ${jobs} (known: mutate-daily; did you mean "mutate-daily"?)`,
    );
    expect(stop).toBeUndefined();
  });

  it('checks the overrides at load against the jobs of --schedules DIR it runs, not the packaged ones', async () => {
    const serveWith = async (config: string, ...flags: string[]) => {
      const deps = binary();
      let stop: (() => Promise<void>) | undefined;
      const code = await main(['serve', '--config', config, '--port', '0', ...flags], {
        ...deps,
        logSink: () => {},
        onServing: (s) => {
          stop = s.stop;
        },
      });
      const served = stop !== undefined;
      await stop?.();
      return { code, served, stderr: deps.io.stderr() };
    };
    // An override of a job only DIR has: taken, and applied (10:00 in Shanghai is 02:00 UTC).
    const own = await serveWith(overridesOwnJob, '--schedules', ownJobs);
    expect(own.stderr).not.toContain('invalid config');
    expect(own.code).toBe(0);
    expect(own.stderr).toMatch(/schedule edge-sweep → healthSweep, next \S+T02:00:00\.000Z \(Asia\/Shanghai\)/);
    // An override of a packaged job DIR has not overrides nothing it runs: refused, naming DIR and its jobs.
    const packaged = await serveWith(overridesPackagedJob, '--schedules', ownJobs);
    expect(packaged).toMatchObject({ code: 2, served: false });
    expect(packaged.stderr).toContain(
      `schedules.backup-verify: unknown job "backup-verify" in ${ownJobs} (known: edge-sweep)`,
    );
    // Without --schedules the packaged jobs run, and the other estate is the one refused.
    const unpackaged = await serveWith(overridesOwnJob);
    expect(unpackaged).toMatchObject({ code: 2, served: false });
    expect(unpackaged.stderr).toContain(
      `schedules.edge-sweep: unknown job "edge-sweep" in ${join(packageRoot(), 'schedules')}`,
    );
    // With no scheduler no job runs: an estate overriding a packaged job still starts.
    expect(await serveWith(overridesPackagedJob, '--no-scheduler')).toMatchObject({ code: 0, served: true });
  });

  it('refuses a non-loopback address without auth', async () => {
    const io = captureIo();
    expect(
      await main(['serve', '--config', valid, '--port', '0', '--host', '0.0.0.0'], {
        functions: [],
        estate,
        io,
        onServing: () => {},
      }),
    ).toBe(1);
    expect(io.stderr()).toContain('without auth');
  });

  it('refuses a trusted proxy that is neither an address nor a CIDR range, before it listens', async () => {
    const io = captureIo();
    let served = false;
    const code = await main(['serve', '--config', valid, '--port', '0', '--trusted-proxy', 'ingress.internal'], {
      functions: [],
      estate,
      io,
      onServing: () => {
        served = true;
      },
    });
    expect(code).toBe(2);
    expect(served).toBe(false);
    expect(io.stderr()).toContain(
      '--trusted-proxy ingress.internal: expected an IP address or a CIDR range like 10.0.0.0/8 or fd00::/8',
    );
  });
});

describe('opsfn schedules', () => {
  const schedules = mkdtempSync(join(tmpdir(), 'opsfn-sched-'));
  writeFileSync(
    join(schedules, 'backup-verify.yaml'),
    'name: backup-verify\nschedule: "30 3 * * *"\nfunction: backupVerify\n',
  );
  writeFileSync(
    join(schedules, 'backup-restore-test.yaml'),
    'name: backup-restore-test\nschedule: "0 2 * * 0"\nfunction: backupVerify\npaused: true\npayload: { restore: true }\n',
  );

  it('lists jobs with their next run in their time zone', async () => {
    const io = captureIo();
    expect(await schedulesCommand(true, { timezone: 'Asia/Shanghai', schedules: {} }, io, schedules)).toBe(0);
    const [, job] = JSON.parse(io.stdout()) as { name: string; timeZone: string; next: string }[];
    expect(job).toMatchObject({ name: 'backup-verify', timeZone: 'Asia/Shanghai' });
    // 03:30 in Shanghai is 19:30 UTC.
    expect(new Date(job!.next).getUTCHours()).toBe(19);
  });

  it("applies the estate's overrides and says where each value came from", async () => {
    const io = captureIo();
    const estate = {
      timezone: 'Asia/Shanghai',
      schedules: {
        'backup-verify': { schedule: '0 10 * * *' },
        'backup-restore-test': { paused: false, timeZone: 'UTC' },
      },
    };
    expect(await schedulesCommand(true, estate, io, schedules)).toBe(0);
    const [restore, verify] = JSON.parse(io.stdout()) as Record<string, unknown>[];
    expect(verify).toMatchObject({
      schedule: '0 10 * * *',
      timeZone: 'Asia/Shanghai',
      from: { schedule: 'estate', timeZone: 'estate timezone', paused: 'job file', payload: 'job file' },
    });
    // 10:00 in Shanghai is 02:00 UTC.
    expect(new Date(String(verify?.next)).getUTCHours()).toBe(2);
    expect(restore).toMatchObject({
      paused: false,
      timeZone: 'UTC',
      payload: { restore: true },
      from: { schedule: 'job file', timeZone: 'estate', paused: 'estate' },
    });
    expect(new Date(String(restore?.next)).getUTCDay()).toBe(0);
    const text = captureIo();
    await schedulesCommand(false, estate, text, schedules);
    expect(text.stdout()).toMatch(
      /backup-verify\s+backupVerify\s+0 10 \* \* \* \(estate\)\s+Asia\/Shanghai \(estate tz\)/,
    );
  });

  it('reads ./opsfn.yaml without --config, as every other command does', async () => {
    const here = mkdtempSync(join(tmpdir(), 'opsfn-sched-cwd-'));
    writeFileSync(join(here, 'opsfn.yaml'), 'estate: cli-test\ntimezone: Asia/Shanghai\n');
    const cwd = process.cwd();
    process.chdir(here);
    try {
      const { io, run } = cli();
      expect(await run(['schedules', '--json'])).toBe(0);
      const jobs = JSON.parse(io.stdout()) as { timeZone: string }[];
      expect(jobs.length).toBeGreaterThan(0);
      expect(jobs.every((job) => job.timeZone === 'Asia/Shanghai' || job.timeZone === 'UTC')).toBe(true);
      expect(jobs.some((job) => job.timeZone === 'Asia/Shanghai')).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });

  it('refuses an override naming no job, with the names it knows', async () => {
    const io = captureIo();
    const estate = { timezone: 'UTC', schedules: { 'backup-verfy': { schedule: '0 10 * * *' } } };
    await expect(schedulesCommand(true, estate, io, schedules)).rejects.toThrow(
      `schedules.backup-verfy: unknown job "backup-verfy" in ${schedules} (known: backup-restore-test, backup-verify; did you mean "backup-verify"?)`,
    );
  });

  it('lists the jobs of --schedules DIR with the overrides checked against them', async () => {
    const own = binary();
    expect(await main(['schedules', '--json', '--config', overridesOwnJob, '--schedules', ownJobs], own)).toBe(0);
    expect(JSON.parse(own.io.stdout())).toMatchObject([
      { name: 'edge-sweep', function: 'healthSweep', schedule: '0 10 * * *', timeZone: 'Asia/Shanghai' },
    ]);
    const packaged = binary();
    expect(await main(['schedules', '--config', overridesPackagedJob, '--schedules', ownJobs], packaged)).toBe(2);
    expect(packaged.io.stderr()).toContain(
      `schedules.backup-verify: unknown job "backup-verify" in ${ownJobs} (known: edge-sweep)`,
    );
  });
});
