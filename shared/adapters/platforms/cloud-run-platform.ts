import { BadInputError } from '../../core/errors/index.js';
import {
  authClientFor,
  CloudRunAdmin,
  createGoogleAccess,
  deadlineIn,
  type GoogleAccess,
  type GoogleAuthOption,
  GoogleScopes,
  type RunOperation,
  type RunService,
  type RunServiceBody,
} from '../google/index.js';
import { toCloudRunHealth } from './cloud-run-health.js';
import { shortRevision, toServiceStatus } from './cloud-run-parse.js';
import { checkWrite, describeTraffic, scalingHeld, scalingWrite } from './cloud-run-write.js';
import { LatestChangedError, PlatformOperationError, PlatformTimeoutError, ServingChangedError } from './errors.js';
import type {
  FollowOptions,
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
  auth?: GoogleAuthOption;
  /** Where the default credentials come from; default a new one. */
  access?: GoogleAccess;
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

/** The {@link ServicePlatform} for a Cloud Run service, on `@googleapis/run` v2 loaded on first use. */
export class CloudRunPlatform implements PinnablePlatform {
  readonly kind = 'cloud-run' as const;
  readonly target: string;
  private readonly api: CloudRunAdmin;

  constructor(private readonly options: CloudRunPlatformOptions) {
    this.target = `projects/${options.project}/locations/${options.region}/services/${options.service}`;
    this.api = new CloudRunAdmin({
      rootUrl: options.rootUrl,
      auth: () => authClientFor(options.auth, options.access ?? createGoogleAccess(), GoogleScopes.cloudPlatform),
      timeoutMs: options.timeoutMs ?? 10_000,
      retries: options.retries ?? 2,
      retryDelayMs: options.retryDelayMs ?? 200,
    });
  }

  private getService(): Promise<RunService> {
    return this.api.getService(this.target);
  }

  /** Reads the service, its traffic and its revisions. */
  async status(): Promise<ServiceStatus> {
    const [service, revisions] = await Promise.all([this.getService(), this.api.listRevisions(this.target)]);
    return toServiceStatus(service, revisions);
  }

  /**
   * PATCHes, waits for the operation, then reads the service back: `wrong` says what is not as written. The
   * etag in the body is output-only in the proto and no reference says a stale one is refused, so this
   * read-back, not the etag, is what catches a concurrent writer.
   */
  private async write(
    updateMask: string,
    body: RunServiceBody,
    before: RunService,
    options: WaitOptions,
    wrong: (after: RunService) => string | undefined,
    forceNewRevision = false,
  ): Promise<RunService> {
    // Writes are not retried: a PATCH that timed out may have been applied; the caller re-reads instead.
    const operation = await this.api.patchService(
      this.target,
      { ...body, ...(before.etag ? { etag: before.etag } : {}) },
      { updateMask, forceNewRevision },
      options.signal,
    );
    await this.waitFor(operation, options);
    const after = await this.getService();
    checkWrite(this.target, before, after, wrong(after));
    return after;
  }

  private async waitFor(first: RunOperation, options: WaitOptions): Promise<void> {
    if (!first.done && !first.name) throw new PlatformOperationError(`Cloud Run returned an operation without a name`);
    const { operation, finished } = await this.api.waitOperation(first, {
      intervalMs: this.options.pollMs ?? 500,
      timeLeft: deadlineIn(this.options.operationTimeoutMs ?? 120_000, this.options.now),
      signal: options.signal,
    });
    if (!finished) {
      throw new PlatformTimeoutError(`operation ${operation.name} not done in time; it may still complete`, {
        operation: operation.name,
      });
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

  /**
   * Releases a pin: 100 % to the latest ready revision (type LATEST), so new deploys get traffic again. With
   * `expectLatest`, only while that is the latest ready revision, before the write and after it.
   */
  async followLatest(options: FollowOptions = {}): Promise<ServiceStatus> {
    const { expectLatest } = options;
    const latestOf = (s: RunService) => (s.latestReadyRevision ? shortRevision(s.latestReadyRevision) : undefined);
    const service = await this.getService();
    if (expectLatest !== undefined && latestOf(service) !== expectLatest) {
      throw new LatestChangedError(expectLatest, latestOf(service), false);
    }
    const traffic = [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }];
    const after = await this.write('traffic', { traffic }, service, options, (s) => {
      const latest = (s.traffic ?? []).every((t) => t.type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST');
      return latest ? undefined : `traffic is ${describeTraffic(s)}, not the latest revision 100 %`;
    });
    if (expectLatest !== undefined && latestOf(after) !== expectLatest) {
      throw new LatestChangedError(expectLatest, latestOf(after), true);
    }
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
    const { revision: _named, ...template } = (service as RunServiceBody).template ?? {};
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
