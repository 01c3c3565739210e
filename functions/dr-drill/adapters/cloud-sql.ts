import type { sqladmin_v1 } from '@googleapis/sqladmin';
import { createSqlAdmin } from '../../../shared/adapters/google/index.js';
import type { Endpoint } from '../../../shared/core/config/index.js';
import { DependencyError } from '../../../shared/core/errors/index.js';
import { type SqlInstance, type SqlOperation, toInstance, toOperation } from './cloud-sql-instance.js';
import { callOptions, googleCall, pollUntil, statusOf } from './google-call.js';

export type { SqlInstance, SqlOperation } from './cloud-sql-instance.js';

/** The SQL Admin v1 calls a drill makes; every call bounded, no library retries. */
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
  /** Makes `labels` the instance's only labels: patch merges labels, so every other one is sent as null. */
  replaceLabels(project: string, instance: SqlInstance, labels: Record<string, string>): Promise<SqlOperation>;
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

/** A SQL Admin v1 client (`@googleapis/sqladmin`, loaded lazily) for drill steps. */
export async function createCloudSqlDrill(
  endpoint: Endpoint | undefined,
  timeoutMs: number,
  signal: AbortSignal,
  pollMs = 5_000,
): Promise<CloudSqlDrill> {
  const client = await createSqlAdmin({
    ...(endpoint ? { rootUrl: `${new URL(endpoint.url).origin}/` } : {}),
    credentials: endpoint?.credentials,
  });
  const o = () => callOptions(timeoutMs, signal);
  const call = <T>(what: string, fn: () => Promise<T>) => googleCall('SQL Admin', what, fn);
  // Cloud SQL answers 403, not 404, for an instance that does not exist: only a listing tells it from a denial.
  const gone = async (project: string, instance: string, error: unknown): Promise<boolean> => {
    const status = statusOf(error);
    if (status === 404) return true;
    if (status !== 403) return false;
    return !(await api.listInstances(project)).some((i) => i.name === instance);
  };
  const api: CloudSqlDrill = {
    async getInstance(project, instance) {
      try {
        return toInstance((await client.instances.get({ project, instance }, o())).data as Record<string, unknown>);
      } catch (error) {
        if (await gone(project, instance, error)) return undefined;
        return call('instances.get', () => Promise.reject(error));
      }
    },
    async listInstances(project) {
      const all: SqlInstance[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const params = { project, maxResults: 500, ...(pageToken ? { pageToken } : {}) };
        const res = await call('instances.list', () => client.instances.list(params, o()));
        all.push(...(res.data.items ?? []).map((d) => toInstance(d as Record<string, unknown>)));
        pageToken = res.data.nextPageToken ?? undefined;
        if (!pageToken) return all;
      }
      throw new DependencyError(`SQL Admin instances.list of ${project} has more than ${MAX_PAGES} pages`);
    },
    async clone(project, instance, target, pointInTime) {
      const requestBody = {
        cloneContext: { destinationInstanceName: target, ...(pointInTime ? { pointInTime } : {}) },
      };
      return toOperation(
        (await call('instances.clone', () => client.instances.clone({ project, instance, requestBody }, o()))).data,
      );
    },
    async insertInstance(project, like, name, options) {
      const network = options.network ?? like.network;
      const requestBody = {
        name,
        databaseVersion: like.databaseVersion,
        region: like.region,
        settings: {
          tier: options.tier ?? like.tier,
          userLabels: options.labels,
          // Without privateNetwork the instance gets no PRIVATE address (IpConfiguration in the v1 reference).
          ipConfiguration: { ipv4Enabled: like.publicIp, ...(network ? { privateNetwork: network } : {}) },
        },
      };
      return toOperation(
        (await call('instances.insert', () => client.instances.insert({ project, requestBody }, o()))).data,
      );
    },
    async replaceLabels(project, { name: instance, labels: current }, labels) {
      // A null value deletes a label (https://cloud.google.com/sql/docs/mysql/label-instance); the typings lack null.
      const removed = Object.fromEntries(Object.keys(current).map((k) => [k, null]));
      const userLabels = { ...removed, ...labels } as Record<string, string>;
      const requestBody = { settings: { userLabels } };
      return toOperation(
        (await call('instances.patch', () => client.instances.patch({ project, instance, requestBody }, o()))).data,
      );
    },
    async restoreBackup(project, instance, source, backupRunId) {
      const requestBody = { restoreBackupContext: { backupRunId, instanceId: source, project } };
      return toOperation(
        (
          await call('instances.restoreBackup', () =>
            client.instances.restoreBackup({ project, instance, requestBody }, o()),
          )
        ).data,
      );
    },
    async latestSuccessfulBackup(project, instance) {
      let run: sqladmin_v1.Schema$BackupRun | undefined;
      let pageToken: string | undefined;
      // Runs come newest first: the first page holding a SUCCESSFUL one ends the search.
      for (let page = 0; page < MAX_PAGES && !run; page++) {
        const params = { project, instance, maxResults: 50, ...(pageToken ? { pageToken } : {}) };
        const res = await call('backupRuns.list', () => client.backupRuns.list(params, o()));
        run = (res.data.items ?? [])
          .filter((r) => r.status === 'SUCCESSFUL' && r.id)
          .sort((a, b) => String(b.enqueuedTime ?? '').localeCompare(String(a.enqueuedTime ?? '')))[0];
        pageToken = res.data.nextPageToken ?? undefined;
        if (!pageToken) break;
      }
      return run
        ? {
            id: String(run.id),
            ...(run.startTime ? { startTime: run.startTime } : {}),
            ...(run.endTime ? { endTime: run.endTime } : {}),
          }
        : undefined;
    },
    async operation(project, operation) {
      return toOperation((await call('operations.get', () => client.operations.get({ project, operation }, o()))).data);
    },
    async deleteInstance(project, instance, budgetMs) {
      let op: SqlOperation;
      try {
        op = toOperation((await client.instances.delete({ project, instance }, o())).data);
      } catch (error) {
        if (await gone(project, instance, error)) return;
        return call('instances.delete', () => Promise.reject(error));
      }
      const done = await pollUntil(
        async () => {
          op = await api.operation(project, op.name);
          return op.done;
        },
        pollMs,
        budgetMs,
        signal,
      );
      if (!done)
        throw new DependencyError(
          `SQL Admin delete of ${instance} still running after ${Math.round(budgetMs / 1000)}s`,
        );
      if (op.error) throw new DependencyError(`SQL Admin delete of ${instance} failed: ${op.error}`);
    },
  };
  return api;
}
