import type { run_v2 } from '@googleapis/run';
import { DependencyError } from '../../core/errors/index.js';
import { type GoogleApi, type GoogleClientOptions, googleApi } from './api-client.js';
import type { RunOperation, RunRevision, RunService } from './cloud-run-types.js';
import { collectPages, type PollOptions, type PollResult, pollOperation } from './follow.js';

/** Where a Cloud Run client sends its calls, how it signs them and how long each may take. */
export type CloudRunAdminOptions = GoogleClientOptions;

/** A Service as `services.patch` and `services.create` take it. */
export type RunServiceBody = run_v2.Schema$GoogleCloudRunV2Service;

/**
 * The Cloud Run Admin API v2 on `@googleapis/run`, loaded on first use: reads retried within the bounds,
 * writes sent once, every failure an OpsError naming the call and the resource.
 */
export class CloudRunAdmin {
  private readonly api: GoogleApi<run_v2.Run>;

  constructor(options: CloudRunAdminOptions) {
    this.api = googleApi(async (settings) => (await import('@googleapis/run')).run({ version: 'v2', ...settings }), {
      ...options,
      api: 'Cloud Run',
    });
  }

  /** `services.get` of a full service name. */
  getService(name: string): Promise<RunService> {
    return this.api.read('services.get', name, (c, o) => c.projects.locations.services.get({ name }, o));
  }

  /** Every service under `projects/p/locations/l`, refusing a listing longer than `maxPages` pages. */
  listServices(parent: string, pageSize = 500, maxPages = 20): Promise<RunService[]> {
    return collectPages(
      async (pageToken) => {
        const params = { parent, pageSize, ...(pageToken ? { pageToken } : {}) };
        const data = await this.api.read('services.list', parent, (c, o) =>
          c.projects.locations.services.list(params, o),
        );
        return { items: data.services ?? [], next: data.nextPageToken };
      },
      {
        maxPages,
        overflow: () => new DependencyError(`Cloud Run services.list of ${parent} has more than ${maxPages} pages`),
      },
    );
  }

  /** `revisions.get` of a full revision name. */
  getRevision(name: string): Promise<RunRevision> {
    return this.api.read('revisions.get', name, (c, o) => c.projects.locations.services.revisions.get({ name }, o));
  }

  /** The revisions of a service, at most `maxPages` pages of them (Cloud Run keeps at most 1,000). */
  listRevisions(service: string, pageSize = 100, maxPages = 20): Promise<RunRevision[]> {
    return collectPages(
      async (pageToken) => {
        const params = { parent: service, pageSize, ...(pageToken ? { pageToken } : {}) };
        const data = await this.api.read('revisions.list', service, (c, o) =>
          c.projects.locations.services.revisions.list(params, o),
        );
        return { items: data.revisions ?? [], next: data.nextPageToken };
      },
      { maxPages },
    );
  }

  /** `services.patch` of the fields in `updateMask`: sent once, never retried. */
  patchService(
    name: string,
    body: RunServiceBody,
    change: { updateMask: string; forceNewRevision?: boolean },
    signal?: AbortSignal,
  ): Promise<RunOperation> {
    const params = {
      name,
      updateMask: change.updateMask,
      requestBody: body,
      ...(change.forceNewRevision ? { forceNewRevision: true } : {}),
    };
    return this.api.write('services.patch', name, (c, o) => c.projects.locations.services.patch(params, o), signal);
  }

  /** `services.create` of `serviceId` under `parent`: sent once, never retried. */
  createService(parent: string, serviceId: string, body: RunServiceBody): Promise<RunOperation> {
    const params = { parent, serviceId, requestBody: body };
    return this.api.write('services.create', `${parent}/services/${serviceId}`, (c, o) =>
      c.projects.locations.services.create(params, o),
    );
  }

  /** `services.delete` of a full service name: sent once, never retried. */
  deleteService(name: string): Promise<RunOperation> {
    return this.api.write('services.delete', name, (c, o) => c.projects.locations.services.delete({ name }, o));
  }

  /** `operations.get` of a full operation name. */
  getOperation(name: string): Promise<RunOperation> {
    return this.api.read('operations.get', name, (c, o) => c.projects.locations.operations.get({ name }, o));
  }

  /** Polls `first` until it is done or the wait ends; an operation without a name cannot be polled. */
  waitOperation(
    first: RunOperation,
    wait: Omit<PollOptions<RunOperation>, 'first'>,
  ): Promise<PollResult<RunOperation>> {
    let current = first;
    return pollOperation(
      async () => {
        if (!current.name)
          throw new DependencyError('Cloud Run returned an operation without a name', { retryable: false });
        current = await this.getOperation(current.name);
        return current;
      },
      (op) => op.done === true,
      { ...wait, first },
    );
  }
}
