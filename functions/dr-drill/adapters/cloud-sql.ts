import { createSqlAdmin } from '../../../shared/cloudsql/sql-admin.js';
import type { Endpoint } from '../../../shared/config/sections/estate-common.js';
import { DependencyError } from '../../../shared/errors/ops-error.js';
import { callOptions, googleCall, pollUntil, statusOf } from './google-call.js';

/** The parts of a Cloud SQL instance a drill reads. */
export interface SqlInstance {
  name: string;
  databaseVersion?: string;
  region?: string;
  tier?: string;
  labels: Record<string, string>;
  /** `ipAddresses`: `PRIMARY` (public), `PRIVATE` (VPC) and `OUTGOING` addresses. */
  addresses: { type: string; ip: string }[];
}

/** A SQL Admin operation as far as a drill cares. */
export interface SqlOperation {
  name: string;
  done: boolean;
  error?: string;
}

/** The SQL Admin v1 calls a drill makes; every call bounded, no library retries. */
export interface CloudSqlDrill {
  getInstance(project: string, name: string): Promise<SqlInstance | undefined>;
  listInstances(project: string): Promise<SqlInstance[]>;
  clone(project: string, source: string, target: string, pointInTime?: string): Promise<SqlOperation>;
  insertInstance(
    project: string,
    like: SqlInstance,
    name: string,
    tier: string | undefined,
    labels: Record<string, string>,
  ): Promise<SqlOperation>;
  setLabels(project: string, name: string, labels: Record<string, string>): Promise<SqlOperation>;
  restoreBackup(project: string, target: string, source: string, backupRunId: string): Promise<SqlOperation>;
  latestSuccessfulBackup(
    project: string,
    instance: string,
  ): Promise<{ id: string; startTime?: string; endTime?: string } | undefined>;
  operation(project: string, name: string): Promise<SqlOperation>;
  /** Deletes and waits for the operation (up to `budgetMs`); no error when the instance is already gone. */
  deleteInstance(project: string, name: string, budgetMs: number): Promise<void>;
}

type Op = {
  name?: string | null;
  status?: string | null;
  error?: { errors?: { message?: string | null }[] | null } | null;
};

function toOperation(op: Op): SqlOperation {
  const error = op.error?.errors?.map((e) => e.message).join('; ');
  return { name: op.name ?? '', done: op.status === 'DONE', ...(error ? { error } : {}) };
}

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
  const toInstance = (d: Record<string, unknown>): SqlInstance => {
    const settings = (d.settings ?? {}) as { tier?: string; userLabels?: Record<string, string> };
    return {
      name: String(d.name),
      ...(typeof d.databaseVersion === 'string' ? { databaseVersion: d.databaseVersion } : {}),
      ...(typeof d.region === 'string' ? { region: d.region } : {}),
      ...(settings.tier ? { tier: settings.tier } : {}),
      labels: settings.userLabels ?? {},
      addresses: ((d.ipAddresses ?? []) as { type?: string; ipAddress?: string }[])
        .filter((a) => typeof a.ipAddress === 'string' && a.ipAddress !== '')
        .map((a) => ({ type: a.type ?? 'PRIMARY', ip: String(a.ipAddress) })),
    };
  };
  const api: CloudSqlDrill = {
    async getInstance(project, instance) {
      try {
        return toInstance((await client.instances.get({ project, instance }, o())).data as Record<string, unknown>);
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        return call('instances.get', () => Promise.reject(error));
      }
    },
    async listInstances(project) {
      const res = await call('instances.list', () => client.instances.list({ project, maxResults: 500 }, o()));
      return (res.data.items ?? []).map((d) => toInstance(d as Record<string, unknown>));
    },
    async clone(project, instance, target, pointInTime) {
      const requestBody = {
        cloneContext: { destinationInstanceName: target, ...(pointInTime ? { pointInTime } : {}) },
      };
      return toOperation(
        (await call('instances.clone', () => client.instances.clone({ project, instance, requestBody }, o()))).data,
      );
    },
    async insertInstance(project, like, name, tier, labels) {
      const requestBody = {
        name,
        databaseVersion: like.databaseVersion,
        region: like.region,
        settings: { tier: tier ?? like.tier, userLabels: labels },
      };
      return toOperation(
        (await call('instances.insert', () => client.instances.insert({ project, requestBody }, o()))).data,
      );
    },
    async setLabels(project, instance, labels) {
      const requestBody = { settings: { userLabels: labels } };
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
      const res = await call('backupRuns.list', () =>
        client.backupRuns.list({ project, instance, maxResults: 50 }, o()),
      );
      const run = (res.data.items ?? [])
        .filter((r) => r.status === 'SUCCESSFUL' && r.id)
        .sort((a, b) => String(b.enqueuedTime ?? '').localeCompare(String(a.enqueuedTime ?? '')))[0];
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
        if (statusOf(error) === 404) return;
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
