import {
  createGoogleAccess,
  endpointSigner,
  type GoogleAccess,
  SqlAdmin,
} from '../../../shared/adapters/google/index.js';
import type { Endpoint } from '../../../shared/core/config/index.js';

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

/** A SQL Admin v1 client on the Google kit, every call bounded by `timeoutMs` and sent once (a failing API is reported, not hammered). */
export async function createSqlAdminClient(
  endpoint: Endpoint | undefined,
  timeoutMs: number,
  signal: AbortSignal,
  access: GoogleAccess = createGoogleAccess(),
): Promise<SqlAdminClient> {
  const client = new SqlAdmin({
    rootUrl: endpoint?.url,
    auth: endpointSigner(endpoint, access),
    timeoutMs,
    signal,
  });
  return {
    async listBackupRuns(project, instance, enough) {
      const runs = await client.listBackupRuns(project, instance, 100, {
        maxPages: MAX_PAGES,
        enough: (all) => enough(all as BackupRun[]),
      });
      return runs as BackupRun[];
    },
    async getInstance(project, instance) {
      const data = await client.getInstance(project, instance);
      const settings = data.settings ?? {};
      const backup = settings.backupConfiguration ?? {};
      return strip({
        databaseVersion: data.databaseVersion ?? undefined,
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
