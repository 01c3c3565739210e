import { setTimeout as delay } from 'node:timers/promises';
import type { run_v2 } from '@googleapis/run';
import { BadInputError } from '../../core/errors/index.js';
import { toCloudRunHealth } from './cloud-run-health.js';
import { type RunRevision, type RunService, shortRevision, toServiceStatus } from './cloud-run-parse.js';
import { checkWrite, describeTraffic, scalingHeld, scalingWrite } from './cloud-run-write.js';
import { PlatformOperationError, PlatformTimeoutError, ServingChangedError, wrapPlatformError } from './errors.js';
import type {
  PinnablePlatform,
  PlatformHealth,
  RestartOptions,
  RouteOptions,
  ScalingChange,
  ScalingState,
  ServiceStatus,
  WaitOptions,
} from './service-platform.js';

/** How a Cloud Run adapter reaches the Admin API v2 and how long it waits. */
export interface CloudRunPlatformOptions {
  project: string;
  region: string;
  service: string;
  /** API root (`https://run.googleapis.com/` by default); only scheme://host:port is used. */
  rootUrl?: string;
  /** An auth client (google-auth-library); `'none'` sends no credentials; default: application default credentials. */
  auth?: unknown;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
  /** Retries of reads on 5xx, 429 and timeouts; writes are never retried. Default 2. */
  retries?: number;
  /** First retry delay, doubled each time; default 200 ms. */
  retryDelayMs?: number;
  /** How long to wait for a long-running operation; default 2 min. */
  operationTimeoutMs?: number;
  /** Poll interval of a long-running operation; default 500 ms. */
  pollMs?: number;
  now?: () => number;
}

interface RunOperation {
  name?: string | null;
  done?: boolean | null;
  error?: { code?: number | null; message?: string | null } | null;
}

const ALL_REVISIONS_PAGE = 100;
const MAX_PAGES = 20;

/** The {@link ServicePlatform} for a Cloud Run service, on `@googleapis/run` v2 loaded on first use. */
export class CloudRunPlatform implements PinnablePlatform {
  readonly kind = 'cloud-run' as const;
  readonly target: string;
  private client: Promise<run_v2.Run> | undefined;

  constructor(private readonly options: CloudRunPlatformOptions) {
    this.target = `projects/${options.project}/locations/${options.region}/services/${options.service}`;
  }

  private api(): Promise<run_v2.Run> {
    this.client ??= this.load();
    return this.client;
  }

  private async load(): Promise<run_v2.Run> {
    const { run } = await import('@googleapis/run');
    const o = this.options;
    let auth = o.auth;
    if (auth === undefined) {
      const { GoogleAuth } = await import('google-auth-library');
      auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
    }
    return run({
      version: 'v2',
      ...(o.rootUrl ? { rootUrl: `${new URL(o.rootUrl).origin}/` } : {}),
      ...(auth === 'none' ? {} : { auth: auth as never }),
      timeout: o.timeoutMs ?? 10_000,
      retryConfig: {
        retry: o.retries ?? 2,
        retryDelay: o.retryDelayMs ?? 200,
        noResponseRetries: o.retries ?? 2,
        httpMethodsToRetry: ['GET'],
      },
    });
  }

  private async getService(): Promise<RunService> {
    const api = await this.api();
    try {
      return (await api.projects.locations.services.get({ name: this.target })).data;
    } catch (error) {
      throw wrapPlatformError(error, `reading Cloud Run service ${this.target}`);
    }
  }

  private async listRevisions(): Promise<RunRevision[]> {
    const api = await this.api();
    const all: RunRevision[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      try {
        const { data } = await api.projects.locations.services.revisions.list({
          parent: this.target,
          pageSize: ALL_REVISIONS_PAGE,
          ...(pageToken ? { pageToken } : {}),
        });
        all.push(...(data.revisions ?? []));
        pageToken = data.nextPageToken ?? undefined;
      } catch (error) {
        throw wrapPlatformError(error, `listing revisions of ${this.target}`);
      }
      if (!pageToken) break;
    }
    return all;
  }

  /** Reads the service, its traffic and its revisions. */
  async status(): Promise<ServiceStatus> {
    const [service, revisions] = await Promise.all([this.getService(), this.listRevisions()]);
    return toServiceStatus(service, revisions);
  }

  /**
   * PATCHes, waits for the operation, then reads the service back: `wrong` says what is not as written. The
   * etag in the body is output-only in the proto and no reference says a stale one is refused, so this
   * read-back, not the etag, is what catches a concurrent writer.
   */
  private async write(
    updateMask: string,
    body: run_v2.Schema$GoogleCloudRunV2Service,
    before: RunService,
    options: WaitOptions,
    wrong: (after: RunService) => string | undefined,
    forceNewRevision = false,
  ): Promise<RunService> {
    const api = await this.api();
    let operation: RunOperation;
    try {
      // Writes are not retried: a PATCH that timed out may have been applied; the caller re-reads instead.
      operation = (
        await api.projects.locations.services.patch(
          {
            name: this.target,
            updateMask,
            requestBody: { ...body, ...(before.etag ? { etag: before.etag } : {}) },
            ...(forceNewRevision ? { forceNewRevision } : {}),
          },
          { retry: false, ...(options.signal ? { signal: options.signal } : {}) },
        )
      ).data;
    } catch (error) {
      throw wrapPlatformError(error, `updating ${updateMask} of ${this.target}`);
    }
    await this.waitFor(operation, options);
    const after = await this.getService();
    checkWrite(this.target, before, after, wrong(after));
    return after;
  }

  private async waitFor(first: RunOperation, options: WaitOptions): Promise<void> {
    const now = this.options.now ?? Date.now;
    const deadline = now() + (this.options.operationTimeoutMs ?? 120_000);
    const api = await this.api();
    let operation = first;
    while (!operation.done) {
      if (!operation.name) throw new PlatformOperationError(`Cloud Run returned an operation without a name`);
      if (now() >= deadline) {
        throw new PlatformTimeoutError(`operation ${operation.name} not done in time; it may still complete`, {
          operation: operation.name,
        });
      }
      await delay(this.options.pollMs ?? 500, undefined, options.signal ? { signal: options.signal } : {});
      try {
        operation = (await api.projects.locations.operations.get({ name: operation.name })).data;
      } catch (error) {
        throw wrapPlatformError(error, `polling operation ${operation.name}`);
      }
    }
    if (operation.error) {
      throw new PlatformOperationError(
        `operation ${operation.name ?? ''} failed: ${operation.error.message ?? `code ${operation.error.code}`}`,
        { operation: operation.name, code: operation.error.code },
      );
    }
  }

  /** Sends 100 % of traffic to `revision` (pinned by name), waits for the operation and checks it held. */
  async routeAll(revision: string, options: RouteOptions = {}): Promise<ServiceStatus> {
    const service = await this.getService();
    if (options.expectServing !== undefined) {
      const now = toServiceStatus(service, []);
      if (!now.traffic.some((t) => t.revision === options.expectServing)) {
        throw new ServingChangedError(options.expectServing, now.serving);
      }
    }
    const traffic = [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision, percent: 100 }];
    await this.write('traffic', { traffic }, service, options, (after) => {
      const now = toServiceStatus(after, []).traffic;
      const held = now.length === 1 && now[0]?.revision === revision && now[0].percent === 100;
      return held ? undefined : `traffic is ${describeTraffic(after)}, not ${revision} 100 %`;
    });
    return this.status();
  }

  /** Releases a pin: 100 % to the latest ready revision (type LATEST), so new deploys get traffic again. */
  async followLatest(options: WaitOptions = {}): Promise<ServiceStatus> {
    const service = await this.getService();
    const traffic = [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }];
    await this.write('traffic', { traffic }, service, options, (after) => {
      const latest = (after.traffic ?? []).every((t) => t.type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST');
      return latest ? undefined : `traffic is ${describeTraffic(after)}, not the latest revision 100 %`;
    });
    return this.status();
  }

  /** Reads the Ready condition, the latest created and latest ready revisions, and whether traffic follows them. */
  async health(): Promise<PlatformHealth> {
    return toCloudRunHealth(await this.getService());
  }

  /**
   * Deploys a new revision from the unchanged template (`forceNewRevision`) and waits for the operation. Refused
   * when traffic is pinned: the new revision would get none. A template revision name is dropped, so Cloud Run
   * names the new revision itself instead of failing on a name already taken.
   */
  async restart(options: RestartOptions): Promise<PlatformHealth> {
    const service = await this.getService();
    if (!toCloudRunHealth(service).followsLatest) {
      throw new BadInputError(`${this.target}: traffic is pinned to a revision, so a new revision would get none`);
    }
    const { revision: _named, ...template } = (service as run_v2.Schema$GoogleCloudRunV2Service).template ?? {};
    const after = await this.write(
      'template',
      { template },
      service,
      options,
      (s) =>
        s.latestCreatedRevision && s.latestCreatedRevision !== service.latestCreatedRevision
          ? undefined
          : 'no new revision was created',
      true,
    );
    return toCloudRunHealth(after);
  }

  /** Reads service-level and template scaling bounds. */
  async scaling(): Promise<ScalingState> {
    return stateOf(await this.getService());
  }

  /**
   * Changes service-level scaling (no new revision) or template scaling, which creates a revision: refused while
   * traffic is pinned (the new revision would serve nothing); the result names that revision and its share.
   */
  async scale(change: ScalingChange, options: WaitOptions = {}): Promise<ScalingState> {
    if (change.platform !== 'cloud-run') throw new BadInputError(`${this.target}: not a Cloud Run scaling change`);
    const service = await this.getService();
    const write = scalingWrite(this.target, service, change);
    if (!write) return this.scaling();
    const after = await this.write(write.mask, write.body, service, options, (s) => {
      const state = stateOf(s);
      return scalingHeld(state, change) ? undefined : `scaling is ${JSON.stringify(state)}`;
    });
    const state = stateOf(after);
    if (change.level === 'service' || !after.latestCreatedRevision) return state;
    const revision = shortRevision(after.latestCreatedRevision);
    const percent = toServiceStatus(after, []).traffic.find((t) => t.revision === revision)?.percent ?? 0;
    return { ...state, reached: { revision, percent } };
  }
}

function stateOf(service: RunService): ScalingState {
  return { platform: 'cloud-run', service: bounds(service.scaling), template: bounds(service.template?.scaling) };
}

function bounds(s: RunService['scaling']): { min?: number; max?: number } {
  return {
    ...(typeof s?.minInstanceCount === 'number' ? { min: s.minInstanceCount } : {}),
    ...(typeof s?.maxInstanceCount === 'number' ? { max: s.maxInstanceCount } : {}),
  };
}
