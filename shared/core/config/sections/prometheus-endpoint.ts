import * as z from '../../schema/index.js';
import { SecretRefSchema } from '../types.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * How opsfn authenticates to a Prometheus query API: `none` (a self-hosted Prometheus), `google` (Managed
 * Service for Prometheus, which requires a Google OAuth 2.0 token: application default credentials), or a
 * bearer token or basic-auth password from a secret (a proxy in front of Prometheus).
 */
export const PrometheusCredentialsSchema = z.union([
  z.enum(['none', 'google']),
  z.strictObject({ bearer: SecretRefSchema }),
  z.strictObject({ basic: z.strictObject({ username: z.string().check(z.minLength(1)), password: SecretRefSchema }) }),
]);
/** Prometheus credentials as the estate gives them. */
export type PrometheusCredentials = z.infer<typeof PrometheusCredentialsSchema>;

/**
 * `endpoints.prometheus`: the base URL of the query API (`https://monitoring.googleapis.com/v1/projects/P/location/global/prometheus`
 * for Managed Service for Prometheus) and its credentials, which never travel over plain http off the machine.
 */
export const PrometheusEndpointSchema = z
  .strictObject({ url: z.url(), credentials: z.optional(PrometheusCredentialsSchema) })
  .check(
    z.refine(
      (e) =>
        e.credentials === undefined ||
        e.credentials === 'none' ||
        new URL(e.url).protocol === 'https:' ||
        LOOPBACK.has(new URL(e.url).hostname),
      { message: 'credentials are sent only to an https:// URL (or a loopback one)', path: ['credentials'] },
    ),
  );
/** The validated `endpoints.prometheus`. */
export type PrometheusEndpoint = z.infer<typeof PrometheusEndpointSchema>;
