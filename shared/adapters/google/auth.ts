import { DependencyError, errorMessage } from '../../core/errors/index.js';

/** The OAuth scopes opsfn asks Google for, narrowest first where an API takes a narrow one. */
export const GoogleScopes = {
  cloudPlatform: 'https://www.googleapis.com/auth/cloud-platform',
  monitoringRead: 'https://www.googleapis.com/auth/monitoring.read',
  monitoringWrite: 'https://www.googleapis.com/auth/monitoring.write',
  storageRead: 'https://www.googleapis.com/auth/devstorage.read_only',
} as const;

/** One of {@link GoogleScopes}. */
export type GoogleScope = (typeof GoogleScopes)[keyof typeof GoogleScopes];

/** Something that yields auth headers, like google-auth-library's `GoogleAuth` or `OAuth2Client`. */
export interface HeaderSource {
  getRequestHeaders(url?: string): Promise<Headers | Record<string, string>>;
}

/** A google-auth-library client as the kit uses it: headers always; access and ID tokens when it can. */
export interface GoogleAuthClient extends HeaderSource {
  getAccessToken?(): Promise<string | null | undefined | { token?: string | null }>;
  getIdTokenClient?(audience: string): Promise<HeaderSource>;
}

/** Credentials built once and shared: one auth client per scope, one ID-token client per audience. */
export interface GoogleAccess {
  /** The auth client for `scope` (cloud-platform by default), built on first use. */
  client(scope?: GoogleScope): Promise<GoogleAuthClient>;
  /** The request headers (`authorization`) of the client for `scope`. */
  headers(scope?: GoogleScope, url?: string): Promise<Record<string, string>>;
  /** An OAuth access token for `scope`. */
  accessToken(scope: GoogleScope): Promise<string>;
  /** A Google-signed ID token for `audience`, cached by its client until it expires. */
  idToken(audience: string): Promise<string>;
}

/** Options of {@link createGoogleAccess}. */
export interface GoogleAccessOptions {
  /** One auth client to use for every scope (tests hand in an `OAuth2Client` with a preset token). */
  client?: GoogleAuthClient | undefined;
}

/** The headers of `source` as a plain object; a failure to get them is a DependencyError naming `what`. */
export async function headersOf(source: HeaderSource, what: string, url?: string): Promise<Record<string, string>> {
  try {
    return Object.fromEntries(new Headers(await source.getRequestHeaders(url)).entries());
  } catch (cause) {
    throw new DependencyError(`${what} credentials: ${errorMessage(cause)}`, { cause });
  }
}

/** Keeps one promise per key; a rejected one is dropped, so the next call tries again. */
function memo<T>(build: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const held = new Map<string, Promise<T>>();
  return (key) => {
    const kept = held.get(key);
    if (kept) return kept;
    const building = build(key);
    building.catch(() => {
      if (held.get(key) === building) held.delete(key);
    });
    held.set(key, building);
    return building;
  };
}

/**
 * Google credentials for one process: application default credentials through google-auth-library, which
 * is loaded only when a client is first asked for, so a cold start that talks to no Google API never pays
 * for it; every later call reuses the client and its cached token.
 */
export function createGoogleAccess(options: GoogleAccessOptions = {}): GoogleAccess {
  const client = memo<GoogleAuthClient>(async (scope) => {
    if (options.client) return options.client;
    const { GoogleAuth } = await import('google-auth-library');
    return new GoogleAuth({ scopes: [scope] });
  });
  const idClient = memo<HeaderSource>(async (audience) => {
    const auth = await client(GoogleScopes.cloudPlatform);
    if (!auth.getIdTokenClient) throw new DependencyError('the Google credentials in use cannot mint ID tokens');
    return auth.getIdTokenClient(audience);
  });
  return {
    client: (scope = GoogleScopes.cloudPlatform) => client(scope),
    headers: async (scope = GoogleScopes.cloudPlatform, url) => headersOf(await client(scope), 'Google', url),
    async accessToken(scope) {
      const auth = await client(scope);
      let token: Awaited<ReturnType<NonNullable<GoogleAuthClient['getAccessToken']>>>;
      try {
        token = auth.getAccessToken ? await auth.getAccessToken() : undefined;
      } catch (cause) {
        throw new DependencyError(`Google credentials: ${errorMessage(cause)}`, { cause });
      }
      const value = typeof token === 'object' && token !== null ? token.token : token;
      if (!value) throw new DependencyError('Application Default Credentials gave no access token');
      return value;
    },
    async idToken(audience) {
      const headers = await headersOf(await idClient(audience), 'Google ID token');
      return (headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    },
  };
}
