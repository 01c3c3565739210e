import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  AssertionResult,
  RestoreOptions,
  RestoreStats,
  ScratchDatabase,
  ScratchServer,
  SqlAssertion,
} from '../../shared/adapters/databases/index.js';
import { createGoogleAccess } from '../../shared/adapters/google/index.js';
import type { OpenedStore, OpenObjectStoreOptions } from '../../shared/adapters/storage/index.js';
import type { Endpoint } from '../../shared/core/config/index.js';
import type { CloudRunDrill } from './adapters/cloud-run.js';
import type { CloudSqlDrill } from './adapters/cloud-sql.js';
import { type HeartbeatTarget, writeHeartbeat } from './adapters/heartbeat.js';

/** Everything drDrill does to the outside world, as one set of ports so tests hand in what they need. */
export interface DrDrillDeps {
  newId(): string;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  fetch: typeof fetch;
  /** A Google identity token for `audience` (from the function's service account). */
  idToken(audience: string): Promise<string>;
  scratch: {
    create(server: ScratchServer, name: string): Promise<ScratchDatabase>;
    drop(server: ScratchServer, name: string): Promise<void>;
    list(server: ScratchServer, prefix: string): Promise<string[]>;
  };
  openStore(url: string, options: OpenObjectStoreOptions): Promise<OpenedStore>;
  /** Refuses a restore client that cannot be restricted (psql without `\restrict`, a client without `--sandbox`). */
  checkClient(engine: ScratchServer['engine']): Promise<void>;
  restore(source: NodeJS.ReadableStream, db: ScratchDatabase, options: RestoreOptions): Promise<RestoreStats>;
  assertions(db: ScratchDatabase, assertions: readonly SqlAssertion[], timeoutMs: number): Promise<AssertionResult[]>;
  writeHeartbeat(target: HeartbeatTarget, at: Date, timeoutMs: number): Promise<void>;
  writeReport(url: string, body: string, contentType: string, options: OpenObjectStoreOptions): Promise<void>;
  cloudSql(endpoint: Endpoint | undefined, timeoutMs: number, signal: AbortSignal): Promise<CloudSqlDrill>;
  cloudRun(endpoint: Endpoint | undefined, timeoutMs: number, signal: AbortSignal): Promise<CloudRunDrill>;
}

// The restore, scratch-database and object-store adapters load when a step first uses them: a drill step runs
// seconds into a run, while every cold start of the function would otherwise load and compile them first.
const io = () => import('./adapters/restore-io.js');

/** Production dependencies, built once per process; adapters and cloud clients load only when a plan uses them. */
export function defaultDrDrillDeps(): DrDrillDeps {
  // One credentials client for ID tokens, Cloud SQL and Cloud Run, so its tokens are reused.
  const google = createGoogleAccess();
  return {
    newId: () => randomBytes(4).toString('hex'),
    sleep: async (ms, signal) => {
      await sleep(ms, undefined, { signal }).catch(() => undefined);
    },
    fetch: (input, init) => fetch(input, init),
    idToken: (audience) => google.idToken(audience),
    scratch: {
      create: async (server, name) => (await io()).createScratchDatabase(server, name),
      drop: async (server, name) => (await io()).dropScratchDatabase(server, name),
      list: async (server, prefix) => (await io()).listScratchDatabases(server, prefix),
    },
    openStore: async (url, options) => (await io()).openObjectStore(url, options),
    checkClient: async (engine) => (await io()).checkRestoreClient(engine),
    restore: async (source, db, options) => (await io()).restoreDump(source as never, db, options),
    assertions: async (db, assertions, timeoutMs) => (await io()).runAssertions(db, assertions, { timeoutMs }),
    writeHeartbeat,
    writeReport: async (url, body, contentType, options) =>
      (await io()).writeUrl(url, body, { ...options, contentType }),
    cloudSql: async (endpoint, timeoutMs, signal) =>
      (await import('./adapters/cloud-sql.js')).createCloudSqlDrill(endpoint, timeoutMs, signal, undefined, google),
    cloudRun: async (endpoint, timeoutMs, signal) =>
      (await import('./adapters/cloud-run.js')).createCloudRunDrill(endpoint, timeoutMs, signal, undefined, google),
  };
}
