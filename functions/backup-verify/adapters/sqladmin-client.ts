import { createSqlAdmin } from '../../../shared/adapters/google/index.js';
import type { Endpoint } from '../../../shared/core/config/index.js';
import { DependencyError } from '../../../shared/core/errors/index.js';

/** One Cloud SQL backup run as the SQL Admin API lists it (times as RFC 3339 strings). */
export interface BackupRun {
  id?: string;
  status?: string;
  type?: string;
  enqueuedTime?: string;
  startTime?: string;
  endTime?: string;
  windowStartTime?: string;
  error?: { code?: string; message?: string };
}

/** The parts of a Cloud SQL instance the backup checks read. */
export interface InstanceSettings {
  databaseVersion?: string;
  backupEnabled?: boolean;
  binaryLogEnabled?: boolean;
  pointInTimeRecoveryEnabled?: boolean;
  retainedBackups?: number;
  transactionLogRetentionDays?: number;
}

/** The two SQL Admin calls backupVerify makes. */
export interface SqlAdminClient {
  /** Backup runs, newest first, following pages until `enough` says stop (at most `maxPages`). */
  listBackupRuns(project: string, instance: string, enough: (runs: BackupRun[]) => boolean): Promise<BackupRun[]>;
  getInstance(project: string, instance: string): Promise<InstanceSettings>;
}

const MAX_PAGES = 10;

/** A SQL Admin v1 client (`@googleapis/sqladmin`, loaded lazily) with every call bounded by `timeoutMs`. */
export async function createSqlAdminClient(
  endpoint: Endpoint | undefined,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<SqlAdminClient> {
  const client = await createSqlAdmin({
    ...(endpoint ? { rootUrl: endpoint.url.endsWith('/') ? endpoint.url : `${endpoint.url}/` } : {}),
    credentials: endpoint?.credentials,
  });
  // No library retries: the caller's timeout must bound the whole call, and a failing API is reported, not hammered.
  const options = () => ({
    timeout: timeoutMs,
    retry: false,
    signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
  });
  const wrap = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (cause) {
      throw new DependencyError(`SQL Admin ${what} failed: ${describe(cause)}`, { cause });
    }
  };
  return {
    async listBackupRuns(project, instance, enough) {
      const runs: BackupRun[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const params = { project, instance, maxResults: 100, ...(pageToken ? { pageToken } : {}) };
        const res = await wrap('backupRuns.list', () => client.backupRuns.list(params, options()));
        runs.push(...((res.data.items ?? []) as BackupRun[]));
        pageToken = res.data.nextPageToken ?? undefined;
        if (!pageToken || enough(runs)) break;
      }
      return runs;
    },
    async getInstance(project, instance) {
      const res = await wrap('instances.get', () => client.instances.get({ project, instance }, options()));
      const settings = res.data.settings ?? {};
      const backup = settings.backupConfiguration ?? {};
      return strip({
        databaseVersion: res.data.databaseVersion ?? undefined,
        backupEnabled: backup.enabled ?? undefined,
        binaryLogEnabled: backup.binaryLogEnabled ?? undefined,
        pointInTimeRecoveryEnabled: backup.pointInTimeRecoveryEnabled ?? undefined,
        retainedBackups: backup.backupRetentionSettings?.retainedBackups ?? undefined,
        transactionLogRetentionDays: backup.transactionLogRetentionDays ?? undefined,
      });
    },
  };
}

function strip<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function describe(error: unknown): string {
  const e = error as {
    response?: { status?: number; data?: { error?: { message?: string } } };
    message?: string;
    code?: string;
  };
  const status = e.response?.status;
  const apiMessage = e.response?.data?.error?.message;
  // Cloud SQL answers 403 both for a denied caller and for an instance that does not exist.
  const hint = status === 403 ? ': no such instance, or no permission to read it' : '';
  if (status !== undefined) return `HTTP ${status}${apiMessage ? `: ${apiMessage}` : ''}${hint}`;
  return e.message ?? String(error);
}
