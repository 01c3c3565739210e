import { describe, expect, it } from 'vitest';
import { PrometheusEndpointSchema } from '../../../../shared/core/config/sections/prometheus-endpoint.js';

describe('PrometheusEndpointSchema', () => {
  it.each([
    [{ url: 'https://monitoring.googleapis.com/v1/projects/p/location/global/prometheus', credentials: 'google' }],
    [{ url: 'https://prom.example.com', credentials: { bearer: { env: 'PROM_TOKEN' } } }],
    [{ url: 'http://127.0.0.1:9090', credentials: { basic: { username: 'u', password: { env: 'P' } } } }],
    [{ url: 'http://prometheus:9090' }],
  ])('accepts %o', (endpoint) => {
    expect(PrometheusEndpointSchema.safeParse(endpoint).success).toBe(true);
  });

  it('refuses to send credentials over plain http off the machine', () => {
    const parsed = PrometheusEndpointSchema.safeParse({ url: 'http://prometheus:9090', credentials: 'google' });
    expect(parsed.error?.issues[0]?.path).toEqual(['credentials']);
    expect(parsed.error?.issues[0]?.message).toContain('only to an https:// URL');
  });

  it('refuses a literal token instead of a secret reference', () => {
    expect(PrometheusEndpointSchema.safeParse({ url: 'https://p', credentials: { bearer: 'abc' } }).success).toBe(
      false,
    );
  });
});
