import {
  answerStatusOf,
  createGoogleAccess,
  deadlineIn,
  endpointSigner,
  type GoogleAccess,
  SqlAdmin,
  type SqlBackupRun,
} from '../../../shared/adapters/google/index.js';
import type { Endpoint } from '../../../shared/core/config/index.js';
import { DependencyError, NotFoundError } from '../../../shared/core/errors/index.js';
import { type SqlInstance, type SqlOperation, toInstance, toOperation } from './cloud-sql-instance.js';

export type { SqlInstance, SqlOperation } from './cloud-sql-instance.js';

/** The SQL Admin v1 calls a drill makes; every call bounded, none retried. */
export interface CloudSqlDrill {
  getInstance(project: string, name: string): Promise<SqlInstance | undefined>;
  /** Every instance of the project, following `nextPageToken`. */
  listInstances(project: string): Promise<SqlInstance[]>;
  clone(project: string, source: string, target: string, pointInTime?: string): Promise<SqlOperation>;
  /** A new instance like `like` (version, region, tier, network) with only `labels`. */
  insertInstance(
    project: string,
    like: SqlInstance,
    name: string,
    options: { tier?: string | undefined; network?: string | undefined; labels: Record<string, string> },
  ): Promise<SqlOperation>;
  /**
   * Makes `labels` the instance's only labels (patch merges labels, so every other one is sent as null) and turns
   * its deletion protection off: a clone takes the source's, and a protected copy could never be cleaned up.
   */
  claimCopy(project: string, instance: SqlInstance, labels: Record<string, string>): Promise<SqlOperation>;
  restoreBackup(project: string, target: string, source: string, backupRunId: string): Promise<SqlOperation>;
  latestSuccessfulBackup(
    project: string,
    instance: string,
  ): Promise<{ id: string; startTime?: string; endTime?: string } | undefined>;
  operation(project: string, name: string): Promise<SqlOperation>;
  /**
   * Deletes and waits for the operation (up to `budgetMs`); no error when the instance is already gone, which a
   * 403 means only once a listing confirms it.
   */
  deleteInstance(project: string, name: string, budgetMs: number): Promise<void>;
}

const MAX_PAGES = 20;
const asInstance = (d: object) => toInstance(d as Record<string, unknown>);

/** The drill's port on the kit's SQL Admin v1 client (`@googleapis/sqladmin`, loaded lazily). */
export async function createCloudSqlDrill(
  endpoint: Endpoint | undefined,
  timeoutMs: number,
  signal: AbortSignal,
  pollMs = 5_000,
  access: GoogleAccess = createGoogleAccess(),
): Promise<CloudSqlDrill> {
  const client = new SqlAdmin({ rootUrl: endpoint?.url, auth: endpointSigner(endpoint, access), timeoutMs, signal });
  // Cloud SQL answers 403, not 404, for an instance that does not exist: only a listing tells it from a denial.
  const gone = async (project: string, instance: string, error: unknown): Promise<boolean> => {
    if (error instanceof NotFoundError) return true;
    if (answerStatusOf(error) !== 403) return false;
    return !(await api.listInstances(project)).some((i) => i.name === instance);
  };
  const api: CloudSqlDrill = {
    async getInstance(project, instance) {
      try {
        return asInstance(await client.getInstance(project, instance));
      } catch (error) {
        if (await gone(project, instance, error)) return undefined;
        throw error;
      }
    },
    async listInstances(project) {
      return (await client.listInstances(project, 500, MAX_PAGES)).map(asInstance);
    },
    async clone(project, instance, target, pointInTime) {
      const cloneContext = { destinationInstanceName: target, ...(pointInTime ? { pointInTime } : {}) };
      return toOperation(await client.cloneInstance(project, instance, { cloneContext }));
    },
    async insertInstance(project, like, name, options) {
      const network = options.network ?? like.network;
      return toOperation(
        await client.insertInstance(project, {
          name,
          databaseVersion: like.databaseVersion,
          region: like.region,
          settings: {
            tier: options.tier ?? like.tier,
            userLabels: options.labels,
            // Without privateNetwork the instance gets no PRIVATE address (IpConfiguration in the v1 reference).
            ipConfiguration: { ipv4Enabled: like.publicIp, ...(network ? { privateNetwork: network } : {}) },
          },
        }),
      );
    },
    async claimCopy(project, { name: instance, labels: current }, labels) {
      // A null value deletes a label (https://cloud.google.com/sql/docs/mysql/label-instance); the typings lack null.
      const removed = Object.fromEntries(Object.keys(current).map((k) => [k, null]));
      const userLabels = { ...removed, ...labels } as Record<string, string>;
      // "When you clone an instance, the new instance receives the deletion protection option (enabled or disabled)
      // from the source instance" (https://cloud.google.com/sql/docs/postgres/deletion-protection).
      const settings = { userLabels, deletionProtectionEnabled: false };
      return toOperation(await client.patchInstance(project, instance, { settings }));
    },
    async restoreBackup(project, instance, source, backupRunId) {
      const restoreBackupContext = { backupRunId, instanceId: source, project };
      return toOperation(await client.restoreBackup(project, instance, { restoreBackupContext }));
    },
    async latestSuccessfulBackup(project, instance) {
      const successful = (runs: SqlBackupRun[]) => runs.filter((r) => r.status === 'SUCCESSFUL' && r.id);
      // Runs come newest first: the first page holding a SUCCESSFUL one ends the search.
      const runs = await client.listBackupRuns(project, instance, 50, {
        maxPages: MAX_PAGES,
        enough: (all) => successful(all).length > 0,
      });
      const run = successful(runs).sort((a, b) =>
        String(b.enqueuedTime ?? '').localeCompare(String(a.enqueuedTime ?? '')),
      )[0];
      return run
        ? {
            id: String(run.id),
            ...(run.startTime ? { startTime: run.startTime } : {}),
            ...(run.endTime ? { endTime: run.endTime } : {}),
          }
        : undefined;
    },
    async operation(project, operation) {
      return toOperation(await client.getOperation(project, operation));
    },
    async deleteInstance(project, instance, budgetMs) {
      const timeLeft = deadlineIn(budgetMs);
      const wait = async (first: Parameters<SqlAdmin['waitOperation']>[1], what: string) => {
        const { operation, finished } = await client.waitOperation(project, first, {
          intervalMs: pollMs,
          timeLeft,
          signal,
        });
        if (!finished) {
          throw new DependencyError(
            `SQL Admin ${what} of ${instance} still running after ${Math.round(budgetMs / 1000)}s`,
          );
        }
        const op = toOperation(operation);
        if (op.error) throw new DependencyError(`SQL Admin ${what} of ${instance} failed: ${op.error}`);
      };
      // A protected instance refuses its delete: one the drill did not get to claim (a crash after the clone) is
      // unprotected first. The caller deletes only the drill's own instances.
      const found = await api.getInstance(project, instance);
      if (!found) return;
      if (found.deletionProtection) {
        const settings = { deletionProtectionEnabled: false };
        await wait(await client.patchInstance(project, instance, { settings }), 'deletion-protection removal');
      }
      let first: Awaited<ReturnType<SqlAdmin['deleteInstance']>>;
      try {
        first = await client.deleteInstance(project, instance);
      } catch (error) {
        if (await gone(project, instance, error)) return;
        throw error;
      }
      await wait(first, 'delete');
    },
  };
  return api;
}
