import type { sqladmin_v1 } from '@googleapis/sqladmin';

/** Where a SQL Admin client sends its calls and whether it signs them. */
export interface SqlAdminOptions {
  /** The API root, ending in `/`; default the public API. */
  rootUrl?: string | undefined;
  /** `'none'` sends no credentials (an emulator); default application default credentials. */
  credentials?: 'none' | undefined;
}

/**
 * A SQL Admin v1 client from `@googleapis/sqladmin`, loaded on first use so only the functions that
 * talk to Cloud SQL pay for it; callers bound every call themselves.
 */
export async function createSqlAdmin(options: SqlAdminOptions): Promise<sqladmin_v1.Sqladmin> {
  const { sqladmin, auth: authPlus } = await import('@googleapis/sqladmin');
  // The library's own GoogleAuth, so its types and version match the client's.
  const auth =
    options.credentials === 'none'
      ? undefined
      : new authPlus.GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
  return sqladmin({
    version: 'v1',
    ...(options.rootUrl === undefined ? {} : { rootUrl: options.rootUrl }),
    ...(auth ? { auth } : {}),
  });
}
