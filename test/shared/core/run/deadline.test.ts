import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withDeadline } from '../../../../shared/core/run/index.js';

const MODULE = pathToFileURL(fileURLToPath(new URL('../../../../shared/core/run/deadline.ts', import.meta.url))).href;

describe('withDeadline', () => {
  it('aborts at the deadline with a TimeoutError, or with its parent first', async () => {
    const timed = withDeadline(new AbortController().signal, 20);
    await new Promise((done) => timed.signal.addEventListener('abort', done));
    expect((timed.signal.reason as Error).name).toBe('TimeoutError');
    expect(timed.timedOut()).toBe(true);
    const parent = new AbortController();
    const early = withDeadline(parent.signal, 60_000);
    parent.abort(new Error('run cancelled'));
    expect((early.signal.reason as Error).message).toBe('run cancelled');
    expect(early.timedOut()).toBe(false);
    early.clear();
  });

  it('still comes when a garbage collection runs while it waits, where AbortSignal.timeout in AbortSignal.any may not', () => {
    // A fresh process with the collector exposed: the deadline held only by the combined signal's listeners.
    const script = `
      const { withDeadline } = await import(${JSON.stringify(MODULE)});
      const { signal } = withDeadline(new AbortController().signal, 200);
      setTimeout(() => globalThis.gc(), 50);
      setTimeout(() => { process.stdout.write(String(signal.aborted)); }, 1000);
    `;
    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stdout, child.stderr).toBe('true');
  });

  it('does not fire once cleared', async () => {
    const deadline = withDeadline(undefined, 20);
    deadline.clear();
    await new Promise((done) => setTimeout(done, 60));
    expect(deadline.signal.aborted).toBe(false);
  });
});
