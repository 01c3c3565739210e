import type { Endpoint } from '../../../shared/core/config/index.js';
import { DependencyError } from '../../../shared/core/errors/index.js';
import { callOptions, googleCall, pollUntil, statusOf } from './google-call.js';

/** The parts of a Cloud Run service a drill reads. */
export interface RunService {
  name: string;
  uri?: string;
  labels: Record<string, string>;
}

/** A long-running Cloud Run operation. */
export interface RunOperation {
  name: string;
  done: boolean;
  error?: string;
}

/** The Cloud Run Admin v2 calls a drill makes; every call bounded, no library retries. */
export interface CloudRunDrill {
  getService(project: string, region: string, name: string): Promise<RunService | undefined>;
  listServices(project: string, region: string): Promise<RunService[]>;
  /** The image of the revision that serves the service's traffic (the largest share; the latest ready one when traffic follows latest). */
  currentImage(project: string, region: string, name: string): Promise<string>;
  createService(
    project: string,
    region: string,
    name: string,
    image: string,
    env: Record<string, string>,
    labels: Record<string, string>,
  ): Promise<RunOperation>;
  operation(name: string): Promise<RunOperation>;
  /** Deletes and waits for the operation (up to `budgetMs`); no error when the service is already gone. */
  deleteService(project: string, region: string, name: string, budgetMs: number): Promise<void>;
}

const MAX_PAGES = 20;

type Op = { name?: string | null; done?: boolean | null; error?: { message?: string | null } | null };
const toOperation = (op: Op): RunOperation => ({
  name: op.name ?? '',
  done: op.done === true,
  ...(op.error ? { error: op.error.message ?? 'operation failed' } : {}),
});

/** A Cloud Run Admin v2 client (`@googleapis/run`, loaded lazily) for drill steps. */
export async function createCloudRunDrill(
  endpoint: Endpoint | undefined,
  timeoutMs: number,
  signal: AbortSignal,
  pollMs = 5_000,
): Promise<CloudRunDrill> {
  const { run, auth: authPlus } = await import('@googleapis/run');
  const auth =
    endpoint?.credentials === 'none'
      ? undefined
      : new authPlus.GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
  const client = run({
    version: 'v2',
    ...(endpoint ? { rootUrl: `${new URL(endpoint.url).origin}/` } : {}),
    ...(auth ? { auth } : {}),
  });
  const o = () => callOptions(timeoutMs, signal);
  const call = <T>(what: string, fn: () => Promise<T>) => googleCall('Cloud Run', what, fn);
  const path = (project: string, region: string, name?: string) =>
    `projects/${project}/locations/${region}${name === undefined ? '' : `/services/${name}`}`;
  const toService = (s: {
    name?: string | null;
    uri?: string | null;
    labels?: Record<string, string> | null;
  }): RunService => ({
    name: (s.name ?? '').split('/').pop() ?? '',
    ...(s.uri ? { uri: s.uri } : {}),
    labels: s.labels ?? {},
  });
  const api: CloudRunDrill = {
    async getService(project, region, name) {
      try {
        return toService(
          (await client.projects.locations.services.get({ name: path(project, region, name) }, o())).data,
        );
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        return call('services.get', () => Promise.reject(error));
      }
    },
    async listServices(project, region) {
      const all: RunService[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const params = { parent: path(project, region), pageSize: 500, ...(pageToken ? { pageToken } : {}) };
        const res = await call('services.list', () => client.projects.locations.services.list(params, o()));
        all.push(...(res.data.services ?? []).map(toService));
        pageToken = res.data.nextPageToken ?? undefined;
        if (!pageToken) return all;
      }
      throw new DependencyError(`Cloud Run services.list of ${path(project, region)} has more than ${MAX_PAGES} pages`);
    },
    async currentImage(project, region, name) {
      const service = (
        await call('services.get', () =>
          client.projects.locations.services.get({ name: path(project, region, name) }, o()),
        )
      ).data;
      const pinned = (service.traffic ?? [])
        .filter((t) => t.revision && (t.percent ?? 0) > 0)
        .sort((a, b) => (b.percent ?? 0) - (a.percent ?? 0))[0]?.revision;
      const revision = pinned ?? service.latestReadyRevision?.split('/').pop();
      if (revision) {
        const rev = (
          await call('revisions.get', () =>
            client.projects.locations.services.revisions.get(
              { name: `${path(project, region, name)}/revisions/${revision}` },
              o(),
            ),
          )
        ).data;
        const image = rev.containers?.[0]?.image;
        if (image) return image;
      }
      const image = service.template?.containers?.[0]?.image;
      if (!image)
        throw new DependencyError(`Cloud Run service ${name} in ${region} has no container image to deploy from`);
      return image;
    },
    async createService(project, region, name, image, env, labels) {
      const requestBody = {
        labels,
        template: {
          labels,
          containers: [{ image, env: Object.entries(env).map(([n, value]) => ({ name: n, value })) }],
        },
      };
      const res = await call('services.create', () =>
        client.projects.locations.services.create({ parent: path(project, region), serviceId: name, requestBody }, o()),
      );
      return toOperation(res.data);
    },
    async operation(name) {
      return toOperation(
        (await call('operations.get', () => client.projects.locations.operations.get({ name }, o()))).data,
      );
    },
    async deleteService(project, region, name, budgetMs) {
      let op: RunOperation;
      try {
        op = toOperation(
          (await client.projects.locations.services.delete({ name: path(project, region, name) }, o())).data,
        );
      } catch (error) {
        if (statusOf(error) === 404) return;
        return call('services.delete', () => Promise.reject(error));
      }
      const done =
        op.done ||
        (await pollUntil(
          async () => {
            op = await api.operation(op.name);
            return op.done;
          },
          pollMs,
          budgetMs,
          signal,
        ));
      if (!done)
        throw new DependencyError(`Cloud Run delete of ${name} still running after ${Math.round(budgetMs / 1000)}s`);
      if (op.error) throw new DependencyError(`Cloud Run delete of ${name} failed: ${op.error}`);
    },
  };
  return api;
}
