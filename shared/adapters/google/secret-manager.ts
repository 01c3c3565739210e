import { DependencyError } from '../../core/errors/index.js';
import { type GoogleAccess, GoogleScopes } from './auth.js';
import { restRoot } from './endpoint.js';
import { requestJson } from './rest.js';

const SECRET_MANAGER_ROOT = 'https://secretmanager.googleapis.com';

/** How {@link accessSecretVersion} reaches Secret Manager. */
export interface SecretManagerOptions {
  access: GoogleAccess;
  /** API root; default `https://secretmanager.googleapis.com`. */
  rootUrl?: string | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Reads one secret version (`projects/…/secrets/…/versions/…`) with `versions.access`, once: a secret that
 * cannot be read is reported at once rather than retried while a request waits.
 */
export async function accessSecretVersion(name: string, options: SecretManagerOptions): Promise<string> {
  const url = `${restRoot(options.rootUrl, SECRET_MANAGER_ROOT)}/v1/${name}:access`;
  const headers = await options.access.headers(GoogleScopes.cloudPlatform);
  const body = (await requestJson(
    { method: 'GET', url, headers },
    { timeoutMs: options.timeoutMs, signal: options.signal },
  )) as { payload?: { data?: string } } | undefined;
  const data = body?.payload?.data;
  if (data === undefined) throw new DependencyError(`Secret Manager ${name}: response has no payload.data`);
  return Buffer.from(data, 'base64').toString('utf8');
}
