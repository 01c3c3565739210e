import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { EstateInput } from '../../../../functions/estate.js';
import { composeEstateSchema } from '../../../../shared/core/config/compose.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { main } from '../../../../shared/host/cli/main.js';
import { captureIo } from '../../../support/cli-io.js';
import { captureLogs, testEstateOf } from '../../../support/estate.js';
import { type CallLog, makeMutateFunction } from '../../../support/mutate-function.js';
import { recordingNotifier } from '../../../support/recording-notifier.js';
import { serveRuntime } from '../../../support/serve.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function serve(overrides: Partial<EstateInput>, env: Record<string, string> = {}) {
  const calls: CallLog = new Map();
  const logs = captureLogs();
  const served = await serveRuntime({
    config: testEstateOf(overrides),
    functions: [makeMutateFunction(calls)],
    state: new MemoryStateStore(),
    notifier: recordingNotifier(),
    env,
    logSink: logs.sink,
  });
  stops.push(served.stop);
  const call = async (path: string, body?: unknown, token?: string) => {
    const res = await fetch(`${served.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const mutate = async (token?: string) => (await call('/mutate', { target: 'web' }, token)).body;
  return { ...served, calls, logs, call, mutate };
}

describe('the kill switch of a single opsfn serve with memory state', () => {
  const auth = {
    tokens: [
      {
        name: 'oncall-pause',
        token: { env: 'PAUSE' },
        allow: [{ function: 'control', routes: ['POST /pause', 'POST /resume', 'GET /*'] }],
      },
      { name: 'alerts', token: { env: 'ALERTS' }, allow: [{ function: 'mutate' }] },
    ],
  };
  const env = { PAUSE: 'pause-token-5be1', ALERTS: 'alerts-token-0c9a' };

  it('pauses and resumes through POST /control with a token scoped to it, audited with its caller', async () => {
    const s = await serve({ auth }, env);
    const paused = await s.call('/control/pause', { reason: 'game day' }, env.PAUSE);
    expect(paused).toMatchObject({ status: 200, body: { paused: 'every function' } });
    expect(paused.body.note).toContain('memory state');
    expect(await s.mutate(env.ALERTS)).toMatchObject({ actions: [{ status: 'refused', by: 'kill-switch' }] });
    expect(s.calls.size).toBe(0);
    expect((await s.call('/control', undefined, env.PAUSE)).body).toMatchObject({
      pauses: [{ scope: 'every function', reason: 'game day', by: 'token:oncall-pause', source: 'state' }],
    });
    expect(s.logs.audits()).toContainEqual(
      expect.objectContaining({
        action: 'pause',
        target: 'every function',
        evidence: { caller: 'token:oncall-pause' },
      }),
    );
    expect((await s.call('/control/resume', {}, env.PAUSE)).status).toBe(200);
    expect(await s.mutate(env.ALERTS)).toMatchObject({ outcome: 'ok' });
    expect(s.calls.get('web')).toBe(1);
  });

  it('pauses one function, and refuses an unknown one naming the known ones', async () => {
    const s = await serve({ auth }, env);
    expect((await s.call('/control/pause', { function: 'mutate' }, env.PAUSE)).status).toBe(200);
    expect(await s.mutate(env.ALERTS)).toMatchObject({ actions: [{ status: 'refused', by: 'kill-switch' }] });
    const unknown = await s.call('/control/pause', { function: 'rolback' }, env.PAUSE);
    expect(unknown.status).toBe(404);
    expect(String(unknown.body.message)).toContain('unknown function "rolback" (known: mutate)');
    expect((await s.call('/control/pause', { functions: 'x' }, env.PAUSE)).status).toBe(400);
  });

  it('refuses a caller whose token is not granted the control routes, and one without a token', async () => {
    const s = await serve({ auth }, env);
    expect((await s.call('/control/pause', {}, env.ALERTS)).status).toBe(403);
    expect((await s.call('/control/pause', {})).status).toBe(401);
    expect((await s.call('/control/stop', {}, env.PAUSE)).status).toBe(404);
    expect(await s.mutate(env.ALERTS)).toMatchObject({ outcome: 'ok' });
  });

  it('refuses every mutation while guard.pauseFile exists, and one function while its own file does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsfn-pause-'));
    const pauseFile = join(dir, 'pause');
    const s = await serve({ guard: { pauseFile } });
    await writeFile(`${pauseFile}.mutate`, 'bad deploy in progress\n');
    expect(await s.mutate()).toMatchObject({
      actions: [{ status: 'refused', by: 'kill-switch', reason: expect.stringContaining('bad deploy in progress') }],
    });
    expect((await s.call('/control')).body).toMatchObject({ pauses: [{ scope: 'mutate', source: 'file' }] });
    await writeFile(`${pauseFile}.mutate`, '');
    await chmod(`${pauseFile}.mutate`, 0o000);
    // An unreadable pause file still pauses (root reads anything, so it may read as an empty reason).
    expect(await s.mutate()).toMatchObject({ actions: [{ status: 'refused', by: 'kill-switch' }] });
    await chmod(`${pauseFile}.mutate`, 0o644);
    await writeFile(pauseFile, '');
    await rm(`${pauseFile}.mutate`);
    expect(await s.mutate()).toMatchObject({
      actions: [
        { status: 'refused', by: 'kill-switch', reason: expect.stringContaining(`pause file ${pauseFile} exists`) },
      ],
    });
    await rm(pauseFile);
    expect(await s.mutate()).toMatchObject({ outcome: 'ok' });
  });
});

describe('opsfn pause with memory state', () => {
  const estate = composeEstateSchema([]);
  const run = (argv: string[]) => {
    const io = captureIo({ USER: 'oncall' });
    const functions = [makeMutateFunction(new Map())];
    return main(argv, { functions, estate, io }).then((code) => ({ code, io }));
  };

  it('writes and removes the pause file when guard.pauseFile is set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsfn-pause-cli-'));
    const pauseFile = join(dir, 'pause');
    const config = join(dir, 'opsfn.yaml');
    await writeFile(config, stringify({ estate: 'single', guard: { pauseFile } }));
    const paused = await run(['pause', 'mutate', '--reason', 'db migration', '--config', config]);
    expect(paused.code, paused.io.stderr()).toBe(0);
    expect(await readFile(`${pauseFile}.mutate`, 'utf8')).toMatch(/^db migration\npaused by oncall at /);
    const resumed = await run(['resume', 'mutate', '--config', config]);
    expect(resumed.code).toBe(0);
    expect(resumed.io.stdout()).toContain(`removed ${pauseFile}.mutate`);
    await expect(readFile(`${pauseFile}.mutate`)).rejects.toThrow(/ENOENT/);
  });

  it('refuses without a pause file, naming the route and the setting that work', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsfn-pause-cli-'));
    const config = join(dir, 'opsfn.yaml');
    await writeFile(config, 'estate: single\n');
    const { code, io } = await run(['pause', '--config', config]);
    expect(code).toBe(2);
    expect(io.stderr()).toContain('POST /control/pause');
    expect(io.stderr()).toContain('guard.pauseFile');
  });

  it('says in config validate what memory state cannot do', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsfn-validate-'));
    const config = join(dir, 'opsfn.yaml');
    await writeFile(config, 'estate: single\n');
    const { code, io } = await run(['config', 'validate', config]);
    expect(code).toBe(0);
    expect(io.stdout()).toContain('note: state: memory keeps locks, cooldowns');
    expect(io.stdout()).toContain('"opsfn pause" from another process cannot reach a running opsfn serve');
    const redis = join(dir, 'redis.yaml');
    await writeFile(redis, 'estate: shared\nstate: { redis: "redis://127.0.0.1:6379" }\n');
    const shared = await run(['config', 'validate', redis]);
    expect(shared.io.stdout()).not.toContain('note:');
  });
});
