import type { sqladmin_v1 } from '@googleapis/sqladmin';
import { DependencyError } from '../../core/errors/index.js';
import { type GoogleApi, type GoogleClientOptions, googleApi } from './api-client.js';
import { collectPages, type PageLimits, type PollOptions, type PollResult, pollOperation } from './follow.js';

/** Where a SQL Admin client sends its calls, how it signs them and how long each may take. */
export type SqlAdminOptions = GoogleClientOptions;

/** A Cloud SQL instance resource. */
export type SqlInstanceResource = sqladmin_v1.Schema$DatabaseInstance;
/** A Cloud SQL backup run. */
export type SqlBackupRun = sqladmin_v1.Schema$BackupRun;
/** A `sql#operation`: not google.longrunning; finished when `status` is `DONE`, then check `error`. */
export type SqlOperationResource = sqladmin_v1.Schema$Operation;

type CloneBody = sqladmin_v1.Schema$InstancesCloneRequest;
type RestoreBody = sqladmin_v1.Schema$InstancesRestoreBackupRequest;

/**
 * The Cloud SQL Admin API v1 on `@googleapis/sqladmin`, loaded on first use: reads retried within the
 * bounds, writes sent once, every failure an OpsError naming the call and the resource.
 * Cloud SQL answers 403, not 404, for an instance that does not exist, and its errors say so.
 */
export class SqlAdmin {
  private readonly api: GoogleApi<sqladmin_v1.Sqladmin>;

  constructor(options: SqlAdminOptions) {
    this.api = googleApi(
      async (settings) => (await import('@googleapis/sqladmin')).sqladmin({ version: 'v1', ...settings }),
      {
        ...options,
        api: 'SQL Admin',
        annotate: (failure, method) =>
          failure.status === 403 && method !== 'instances.list'
            ? 'no such instance, or no permission to read it'
            : undefined,
      },
    );
  }

  /** `instances.get`. */
  getInstance(project: string, instance: string): Promise<SqlInstanceResource> {
    return this.api.read('instances.get', `${project}/${instance}`, (c, o) =>
      c.instances.get({ project, instance }, o),
    );
  }

  /** Every instance of `project`, refusing a listing longer than `maxPages` pages. */
  listInstances(project: string, pageSize = 500, maxPages = 20): Promise<SqlInstanceResource[]> {
    return collectPages(
      async (pageToken) => {
        const params = { project, maxResults: pageSize, ...(pageToken ? { pageToken } : {}) };
        const data = await this.api.read('instances.list', project, (c, o) => c.instances.list(params, o));
        return { items: data.items ?? [], next: data.nextPageToken };
      },
      {
        maxPages,
        overflow: () => new DependencyError(`SQL Admin instances.list of ${project} has more than ${maxPages} pages`),
      },
    );
  }

  /** Backup runs, newest first, page by page until `limits` say stop. */
  listBackupRuns(
    project: string,
    instance: string,
    pageSize: number,
    limits: PageLimits<SqlBackupRun>,
  ): Promise<SqlBackupRun[]> {
    return collectPages(async (pageToken) => {
      const params = { project, instance, maxResults: pageSize, ...(pageToken ? { pageToken } : {}) };
      const data = await this.api.read('backupRuns.list', `${project}/${instance}`, (c, o) =>
        c.backupRuns.list(params, o),
      );
      return { items: data.items ?? [], next: data.nextPageToken };
    }, limits);
  }

  /** `instances.insert`: sent once, never retried. */
  insertInstance(project: string, body: SqlInstanceResource): Promise<SqlOperationResource> {
    return this.api.write('instances.insert', `${project}/${body.name}`, (c, o) =>
      c.instances.insert({ project, requestBody: body }, o),
    );
  }

  /** `instances.patch`, which merges `body` into the instance: sent once, never retried. */
  patchInstance(project: string, instance: string, body: SqlInstanceResource): Promise<SqlOperationResource> {
    const params = { project, instance, requestBody: body };
    return this.api.write('instances.patch', `${project}/${instance}`, (c, o) => c.instances.patch(params, o));
  }

  /** `instances.clone` into the instance the body names: sent once, never retried. */
  cloneInstance(project: string, instance: string, body: CloneBody): Promise<SqlOperationResource> {
    const params = { project, instance, requestBody: body };
    return this.api.write('instances.clone', `${project}/${instance}`, (c, o) => c.instances.clone(params, o));
  }

  /** `instances.restoreBackup` onto `instance` (the target): sent once, never retried. */
  restoreBackup(project: string, instance: string, body: RestoreBody): Promise<SqlOperationResource> {
    const params = { project, instance, requestBody: body };
    return this.api.write('instances.restoreBackup', `${project}/${instance}`, (c, o) =>
      c.instances.restoreBackup(params, o),
    );
  }

  /** `instances.delete`: sent once, never retried. */
  deleteInstance(project: string, instance: string): Promise<SqlOperationResource> {
    return this.api.write('instances.delete', `${project}/${instance}`, (c, o) =>
      c.instances.delete({ project, instance }, o),
    );
  }

  /** `operations.get`. */
  getOperation(project: string, operation: string): Promise<SqlOperationResource> {
    return this.api.read('operations.get', `${project}/${operation}`, (c, o) =>
      c.operations.get({ project, operation }, o),
    );
  }

  /** Polls `first` until its status is `DONE` or the wait ends. */
  waitOperation(
    project: string,
    first: SqlOperationResource,
    wait: Omit<PollOptions<SqlOperationResource>, 'first'>,
  ): Promise<PollResult<SqlOperationResource>> {
    return pollOperation(
      () => this.getOperation(project, first.name ?? ''),
      (op) => op.status === 'DONE',
      { ...wait, first },
    );
  }
}
