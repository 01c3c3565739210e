import { type ScratchServer, scratchServerNow } from '../../shared/adapters/databases/index.js';
import { createGoogleAccess } from '../../shared/adapters/google/index.js';
import { type OpenedStore, type OpenObjectStoreOptions, openObjectStore } from '../../shared/adapters/storage/index.js';
import type { Endpoint } from '../../shared/core/config/index.js';
import { readPersistenceInfo } from './adapters/redis-info.js';
import { createSqlAdminClient, type SqlAdminClient } from './adapters/sqladmin-client.js';

/** What backupVerify talks to: object stores, the SQL Admin API and Redis; tests hand in their own. */
export interface BackupVerifyDeps {
  openStore(url: string, options: OpenObjectStoreOptions): Promise<OpenedStore>;
  /** A SQL Admin client at `endpoint` (Google's API when undefined), every call bounded by `timeoutMs`. */
  sqlAdmin(endpoint: Endpoint | undefined, timeoutMs: number, signal: AbortSignal): Promise<SqlAdminClient>;
  /** The `INFO persistence` text of the Redis server at `url`. */
  /** `INFO persistence` and `INFO replication`; with `resample`, replication twice (see `readPersistenceInfo`). */
  redisInfo(url: string, timeoutMs: number, resample?: boolean): Promise<string>;
  /** A scratch server's own clock, in epoch milliseconds. */
  scratchClock(server: ScratchServer): Promise<number>;
}

/** Production dependencies, built once per process: the object-store opener, SQL Admin and Redis clients. */
export function defaultBackupVerifyDeps(): BackupVerifyDeps {
  // One credentials client for every SQL Admin call, so a warm instance reuses its access token.
  const google = createGoogleAccess();
  return {
    openStore: openObjectStore,
    sqlAdmin: (endpoint, timeoutMs, signal) => createSqlAdminClient(endpoint, timeoutMs, signal, google),
    redisInfo: readPersistenceInfo,
    scratchClock: (server) => scratchServerNow(server),
  };
}
