import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRollback } from '../../../functions/rollback/handler.js';
import { releasePinCommand } from '../../../functions/rollback/release-pin-command.js';
import { createRuntime, type Runtime } from '../../../shared/host/runtime/runtime.js';
import { captureIo } from '../../support/cli-io.js';
import { alertTrigger, cloudRunHarness, minutesAgo, SERVICE } from './harness.js';

type Harness = Awaited<ReturnType<typeof cloudRunHarness>>;

describe('opsfn release-pin', () => {
  let h: Harness;
  let runtime: Runtime;

  beforeEach(async () => {
    h = await cloudRunHarness();
    runtime = await createRuntime({
      config: h.config,
      functions: [createRollback(h.deps)],
      state: h.state,
      notifier: { notify: async () => [] },
      logSink: () => {},
    });
  });
  afterEach(() => h.stop());

  it('prints usage and exits 2 without a service', async () => {
    const io = captureIo();
    expect(await releasePinCommand.run(runtime, [], io)).toBe(2);
    expect(io.stderr()).toMatch(/usage: opsfn release-pin <service>/);
  });

  it('refuses a flag it does not know, so a mistyped --dry-run never acts for real', async () => {
    for (const args of [
      ['web', '--dryrun'],
      ['web', '--dry_run'],
      ['web', '--reason'],
    ]) {
      await expect(releasePinCommand.run(runtime, args, captureIo())).rejects.toMatchObject({
        code: expect.stringMatching(/^ERR_PARSE_ARGS_/),
      });
    }
    expect(h.run.server.find('PATCH', /./)).toHaveLength(0);
  });

  it('releases the pin left by a rollback once a fixed revision is deployed', async () => {
    h.monitoring.traffic('web', 'web-00003-ccc', minutesAgo(1), 1000, 200);
    await h.invoke(alertTrigger('inc-cli'));
    h.run.addRevision(SERVICE, { name: 'web-00004-ddd', createTime: new Date().toISOString() });
    const io = captureIo({ USER: 'oncall' });
    const code = await releasePinCommand.run(runtime, ['web', '--reason', 'fix deployed', '--json'], io);
    expect(code).toBe(0);
    const envelope = JSON.parse(io.stdout()) as { outcome: string; actions: { action: string; status: string }[] };
    expect(envelope.outcome).toBe('ok');
    expect(envelope.actions).toMatchObject([{ action: 'release-pin', status: 'done' }]);
    expect(h.run.traffic(SERVICE)).toEqual([{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }]);
  });

  it('exits 1 and leaves traffic pinned when the latest revision is the bad one', async () => {
    h.monitoring.traffic('web', 'web-00003-ccc', minutesAgo(1), 1000, 200);
    await h.invoke(alertTrigger('inc-cli-2'));
    const io = captureIo();
    expect(await releasePinCommand.run(runtime, ['web'], io)).toBe(1);
    expect(h.run.traffic(SERVICE)).toMatchObject([{ revision: 'web-00002-bbb', percent: 100 }]);
  });
});
