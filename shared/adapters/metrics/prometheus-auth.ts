import type { PrometheusCredentials, SecretRef } from '../../core/config/index.js';
import type { HeaderSource } from '../google/index.js';

/**
 * The Authorization header source for `endpoints.prometheus.credentials`: Google's (application default
 * credentials, as Managed Service for Prometheus requires), a bearer token, or basic auth, each secret
 * resolved per request so a rotated secret is picked up; undefined for `none`.
 */
export function prometheusAuth(
  credentials: PrometheusCredentials | undefined,
  google: HeaderSource,
  secret: (ref: SecretRef) => Promise<string>,
): HeaderSource | undefined {
  if (credentials === undefined || credentials === 'none') return undefined;
  if (credentials === 'google') return google;
  if ('bearer' in credentials) {
    const ref = credentials.bearer;
    return { getRequestHeaders: async () => ({ authorization: `Bearer ${await secret(ref)}` }) };
  }
  const { username, password } = credentials.basic;
  return {
    getRequestHeaders: async () => ({
      authorization: `Basic ${Buffer.from(`${username}:${await secret(password)}`).toString('base64')}`,
    }),
  };
}
