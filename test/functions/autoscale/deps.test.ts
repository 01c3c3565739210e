import { describe, expect, it } from 'vitest';
import { defaultAutoscaleDeps } from '../../../functions/autoscale/deps.js';
import type { Context } from '../../../shared/core/run/types.js';
import { testEstate } from '../../support/estate.js';

describe('defaultAutoscaleDeps', () => {
  const config = testEstate({
    endpoints: { run: { url: 'http://127.0.0.1:9', credentials: 'none' } },
    services: { web: { platform: 'cloud-run', project: 'p', region: 'r', name: 'web' } },
  });
  const ctx = { config, secret: async () => '' } as unknown as Context;
  const web = { key: 'web', service: config.services.web as never };

  it('keeps one adapter per service for a warm instance', async () => {
    const deps = defaultAutoscaleDeps();
    const first = await deps.platform(web, ctx);
    expect(await deps.platform(web, ctx)).toBe(first);
    expect(first.target).toBe('projects/p/locations/r/services/web');
  });

  it('builds another adapter when the endpoints change', async () => {
    const deps = defaultAutoscaleDeps();
    const other = {
      ...ctx,
      config: { ...config, endpoints: { run: { url: 'http://127.0.0.1:10', credentials: 'none' } } },
    };
    expect(await deps.platform(web, other as Context)).not.toBe(await deps.platform(web, ctx));
  });
});
