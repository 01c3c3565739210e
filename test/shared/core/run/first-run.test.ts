import { describe, expect, it } from 'vitest';
import { depsOnFirstRun } from '../../../../shared/core/run/index.js';

describe('depsOnFirstRun', () => {
  it('hands back what it was given, never loading', async () => {
    let loads = 0;
    const given = { client: 'test' };
    const deps = depsOnFirstRun(given, async () => {
      loads++;
      return { client: 'production' };
    });
    expect(await deps()).toBe(given);
    expect(loads).toBe(0);
  });

  it('loads once, on the first call, and shares what it made', async () => {
    let loads = 0;
    const deps = depsOnFirstRun<{ n: number }>(undefined, async () => ({ n: ++loads }));
    expect(loads).toBe(0);
    const [a, b] = await Promise.all([deps(), deps()]);
    expect(a).toBe(b);
    expect(await deps()).toBe(a);
    expect(loads).toBe(1);
  });

  it('tries a load that failed again on the next call', async () => {
    let loads = 0;
    const deps = depsOnFirstRun<string>(undefined, async () => {
      loads++;
      if (loads === 1) throw new Error('import failed');
      return 'loaded';
    });
    await expect(deps()).rejects.toThrow('import failed');
    expect(await deps()).toBe('loaded');
    expect(loads).toBe(2);
  });
});
