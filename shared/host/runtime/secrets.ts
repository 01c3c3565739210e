import { accessSecretVersion, createGoogleAccess } from '../../adapters/google/index.js';
import { Redactor } from '../../core/audit/index.js';
import type { SecretRef } from '../../core/config/index.js';
import { literalSecrets } from '../../core/config/index.js';
import { BadInputError, DependencyError, errorMessage, OpsError } from '../../core/errors/index.js';

/** Resolves secret references; every value it returns is registered with the redactor first. */
export type SecretResolver = (ref: SecretRef) => Promise<string>;

/** Options of {@link createSecretResolver}. */
export interface SecretResolverOptions {
  redactor: Redactor;
  env?: NodeJS.ProcessEnv;
  /** Secret Manager API root; tests point it at a fake. */
  secretManagerUrl?: string;
  /** Reads a Secret Manager version; injected in tests. Defaults to the REST API with ADC credentials. */
  accessSecret?: (name: string) => Promise<string>;
  timeoutMs?: number;
  cacheMs?: number;
  now?: () => number;
}

/**
 * Reads versions from Secret Manager with application default credentials, through one credentials
 * client built (and google-auth-library loaded) on the first read.
 */
function secretManagerReader(rootUrl: string | undefined, timeoutMs: number): (name: string) => Promise<string> {
  const access = createGoogleAccess();
  return async (name) => {
    try {
      return await accessSecretVersion(name, { access, rootUrl, timeoutMs });
    } catch (error) {
      // The resolver passes OpsErrors on as they are; this one says which secret it was.
      const retryable = error instanceof OpsError ? error.retryable : true;
      throw new DependencyError(`secret ${name} could not be read: ${errorMessage(error)}`, {
        cause: error,
        retryable,
      });
    }
  };
}

/**
 * Builds the resolver for `{ env: NAME }` and `{ secret: projects/…/secrets/…/versions/… }` references.
 * Values are cached for `cacheMs` (5 min) so a warm function does not call Secret Manager per request.
 */
export function createSecretResolver(options: SecretResolverOptions): SecretResolver {
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? 300_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const access = options.accessSecret ?? secretManagerReader(options.secretManagerUrl, timeoutMs);
  const cache = new Map<string, { value: string; until: number }>();

  return async (ref) => {
    if ('env' in ref) {
      const value = env[ref.env];
      if (value === undefined || value === '') throw new BadInputError(`secret env ${ref.env} is not set`);
      options.redactor.add(value);
      return value;
    }
    const hit = cache.get(ref.secret);
    if (hit && hit.until > now()) return hit.value;
    let value: string;
    try {
      value = await access(ref.secret);
    } catch (error) {
      if (error instanceof OpsError) throw error;
      throw new DependencyError(`secret ${ref.secret} could not be read: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    options.redactor.add(value);
    cache.set(ref.secret, { value, until: now() + cacheMs });
    return value;
  };
}

/** A redactor that already knows every literal secret written in `config`, built once at load. */
export function configRedactor(config: unknown): Redactor {
  const redactor = new Redactor();
  for (const { value, url } of literalSecrets(config)) redactor.add(value, { url });
  return redactor;
}
