import { OAuth2Client } from 'google-auth-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RollbackPolicy } from '../../../functions/rollback/config.js';
import { defaultRollbackDeps } from '../../../functions/rollback/deps.js';
import type { Context } from '../../../shared/core/run/types.js';
import { FakeManagedPrometheus, vector } from '../../fakes/managed-prometheus.js';
import { RecordingServer } from '../../fakes/recording-server.js';
import { testEstate } from '../../support/estate.js';

const END = new Date('2026-01-01T12:00:00Z');
const policy = {
  errorRate: { threshold: { kind: 'ratio', ratio: 0.1 }, query: 'sum(rate(errors[$window]))' },
} as unknown as RollbackPolicy;

function context(prometheus: Record<string, unknown>, env: Record<string, string> = {}): Context {
  const config = testEstate({
    endpoints: { prometheus } as never,
    services: { web: { platform: 'kubernetes', deployment: 'web', server: 'http://127.0.0.1:9' } },
  });
  const secret = async (ref: { env: string }) => env[ref.env] ?? '';
  return { config, secret } as unknown as Context;
}

describe('rollback metrics from Prometheus', () => {
  const ref = { key: 'web', service: { platform: 'kubernetes' } as never };

  describe('on Managed Service for Prometheus', () => {
    let gmp: FakeManagedPrometheus;
    beforeEach(async () => {
      gmp = new FakeManagedPrometheus();
      gmp.tokens.add('ya29.fake');
      gmp.answer = () => vector('0.25');
      await gmp.server.start();
    });
    afterEach(() => gmp.server.stop());

    it('sends a Google access token with credentials: google', async () => {
      const auth = new OAuth2Client();
      auth.setCredentials({ access_token: 'ya29.fake', expiry_date: Date.now() + 3_600_000 });
      const deps = defaultRollbackDeps({ googleAuth: auth, metricsRetries: 0 });
      const ctx = context({ url: gmp.baseUrl('p1'), credentials: 'google' });
      await expect(deps.metrics(ref, policy, ctx)?.errorRate({ end: END, windowMs: 300_000 })).resolves.toEqual({
        ratio: 0.25,
      });
      expect(gmp.server.requests[0]?.headers.authorization).toBe('Bearer ya29.fake');
    });

    it('is refused without credentials, as the real API refuses an anonymous query', async () => {
      const deps = defaultRollbackDeps({ metricsRetries: 0 });
      const ctx = context({ url: gmp.baseUrl('p1') });
      await expect(deps.metrics(ref, policy, ctx)?.errorRate({ end: END, windowMs: 300_000 })).rejects.toThrow(
        /HTTP 401/,
      );
    });
  });

  describe('behind a proxy that takes a bearer token or basic auth', () => {
    let proxy: RecordingServer;
    beforeEach(async () => {
      proxy = new RecordingServer(() => vector('0.5'));
      await proxy.start();
    });
    afterEach(() => proxy.stop());

    it.each([
      [{ bearer: { env: 'PROM_TOKEN' } }, 'Bearer s3cret'],
      [{ basic: { username: 'opsfn', password: { env: 'PROM_TOKEN' } } }, `Basic ${btoa('opsfn:s3cret')}`],
    ])('sends %o from its secret', async (credentials, header) => {
      const deps = defaultRollbackDeps({ metricsRetries: 0 });
      const ctx = context({ url: proxy.url, credentials }, { PROM_TOKEN: 's3cret' });
      await expect(deps.metrics(ref, policy, ctx)?.errorRate({ end: END, windowMs: 300_000 })).resolves.toEqual({
        ratio: 0.5,
      });
      expect(proxy.requests[0]?.headers.authorization).toBe(header);
    });
  });
});
