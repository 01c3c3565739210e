import {
  CloudRunAdmin,
  createGoogleAccess,
  deadlineIn,
  endpointSigner,
  type GoogleAccess,
  type RunOperation,
  type RunService,
  shortRevision,
  trafficShares,
} from '../../../shared/adapters/google/index.js';
import type { Endpoint } from '../../../shared/core/config/index.js';
import { DependencyError, NotFoundError } from '../../../shared/core/errors/index.js';

/** The parts of a Cloud Run service a drill reads. */
export interface DrillService {
  name: string;
  uri?: string;
  labels: Record<string, string>;
  /** `reconciling`: a create or change is still being rolled out (its `uri` may not be there yet). */
  reconciling: boolean;
  /** `terminalCondition.state` (`CONDITION_SUCCEEDED`, `CONDITION_FAILED`, …) and its message. */
  condition?: { state: string; message?: string };
}

/** A long-running Cloud Run operation. */
export interface DrillOperation {
  name: string;
  done: boolean;
  error?: string;
}

/** The Cloud Run Admin v2 calls a drill makes; every call bounded, none retried. */
export interface CloudRunDrill {
  getService(project: string, region: string, name: string): Promise<DrillService | undefined>;
  listServices(project: string, region: string): Promise<DrillService[]>;
  /** The image of the revision that serves the service's traffic (the largest share; the latest ready one when traffic follows latest). */
  currentImage(project: string, region: string, name: string): Promise<string>;
  createService(
    project: string,
    region: string,
    name: string,
    image: string,
    env: Record<string, string>,
    labels: Record<string, string>,
    /** The account its revisions run as; Cloud Run's default (the compute account) when undefined. */
    serviceAccount?: string,
  ): Promise<DrillOperation>;
  operation(name: string): Promise<DrillOperation>;
  /** Deletes and waits for the operation (up to `budgetMs`); no error when the service is already gone. */
  deleteService(project: string, region: string, name: string, budgetMs: number): Promise<void>;
}

const toOperation = (op: RunOperation): DrillOperation => ({
  name: op.name ?? '',
  done: op.done === true,
  ...(op.error ? { error: op.error.message ?? 'operation failed' } : {}),
});

const toService = (s: RunService): DrillService => ({
  name: (s.name ?? '').split('/').pop() ?? '',
  ...(s.uri ? { uri: s.uri } : {}),
  labels: s.labels ?? {},
  reconciling: s.reconciling === true,
  ...(s.terminalCondition?.state
    ? {
        condition: {
          state: s.terminalCondition.state,
          ...(s.terminalCondition.message ? { message: s.terminalCondition.message } : {}),
        },
      }
    : {}),
});

/** Undefined for a resource that is not there (404); any other failure is thrown. */
async function unlessMissing<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** The drill's port on the kit's Cloud Run Admin v2 client (`@googleapis/run`, loaded lazily). */
export async function createCloudRunDrill(
  endpoint: Endpoint | undefined,
  timeoutMs: number,
  signal: AbortSignal,
  pollMs = 5_000,
  access: GoogleAccess = createGoogleAccess(),
): Promise<CloudRunDrill> {
  const client = new CloudRunAdmin({
    rootUrl: endpoint?.url,
    auth: endpointSigner(endpoint, access),
    timeoutMs,
    signal,
  });
  const path = (project: string, region: string, name?: string) =>
    `projects/${project}/locations/${region}${name === undefined ? '' : `/services/${name}`}`;
  return {
    async getService(project, region, name) {
      const service = await unlessMissing(client.getService(path(project, region, name)));
      return service && toService(service);
    },
    async listServices(project, region) {
      return (await client.listServices(path(project, region))).map(toService);
    },
    async currentImage(project, region, name) {
      const service = await client.getService(path(project, region, name));
      // What serves most: a LATEST entry (no revision field) is the latest ready revision's share.
      const latest = service.latestReadyRevision ? shortRevision(service.latestReadyRevision) : undefined;
      const revision = trafficShares(service.traffic ?? [], latest)[0]?.revision ?? latest;
      if (revision) {
        const rev = await client.getRevision(`${path(project, region, name)}/revisions/${revision}`);
        const image = rev.containers?.[0]?.image;
        if (image) return image;
      }
      const image = service.template?.containers?.[0]?.image;
      if (!image)
        throw new DependencyError(`Cloud Run service ${name} in ${region} has no container image to deploy from`);
      return image;
    },
    async createService(project, region, name, image, env, labels, serviceAccount) {
      const containers = [{ image, env: Object.entries(env).map(([n, value]) => ({ name: n, value })) }];
      const template = { labels, containers, ...(serviceAccount ? { serviceAccount } : {}) };
      return toOperation(await client.createService(path(project, region), name, { labels, template }));
    },
    async operation(name) {
      return toOperation(await client.getOperation(name));
    },
    async deleteService(project, region, name, budgetMs) {
      const first = await unlessMissing(client.deleteService(path(project, region, name)));
      if (!first) return;
      const { operation, finished } = await client.waitOperation(first, {
        intervalMs: pollMs,
        timeLeft: deadlineIn(budgetMs),
        signal,
      });
      if (!finished)
        throw new DependencyError(`Cloud Run delete of ${name} still running after ${Math.round(budgetMs / 1000)}s`);
      const op = toOperation(operation);
      if (op.error) throw new DependencyError(`Cloud Run delete of ${name} failed: ${op.error}`);
    },
  };
}
