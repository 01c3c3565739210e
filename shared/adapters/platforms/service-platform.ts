import type { Endpoints, SecretRef } from '../../core/config/index.js';
import type { StateStore } from '../../core/state/index.js';
import type { GoogleAccess } from '../google/index.js';

/** The platforms a service can run on. */
export type PlatformKind = 'cloud-run' | 'kubernetes' | 'compose';

/** One deployable version of a service: a Cloud Run revision or a Kubernetes ReplicaSet. */
export interface RevisionInfo {
  /** Short name: `web-00007-abc`, or the ReplicaSet name `web-7d9f8c6b5`. */
  name: string;
  /** When it was created, RFC 3339. */
  createdAt: string;
  /** Cloud Run: condition Ready succeeded; Kubernetes: every desired replica ready (true when scaled to 0). */
  ready: boolean;
  /** Share of traffic it gets now, 0–100. */
  percent: number;
  /** Ordering number: Kubernetes `deployment.kubernetes.io/revision`, Cloud Run the `-000NN-` part of the name. */
  number?: number;
  /** First container image, for notifications. */
  image?: string;
}

/** A traffic split entry: which revision gets what percent. */
export interface TrafficShare {
  revision: string;
  percent: number;
}

/** A service as the platform reports it now. */
export interface ServiceStatus {
  platform: PlatformKind;
  /** Human identifier: `projects/p/locations/l/services/s` or `namespace/deployment`. */
  target: string;
  /** Cloud Run: Ready and not reconciling; Kubernetes: the rollout finished and every replica is available. */
  ready: boolean;
  /** The revision that gets the most traffic, undefined when nothing serves. */
  serving: string | undefined;
  traffic: TrafficShare[];
  /** Cloud Run's latest ready revision (short name). */
  latestReady?: string;
  /** Every revision, newest first. */
  revisions: RevisionInfo[];
  /** Kubernetes: the Deployment is paused, so no rollout may happen. */
  paused?: boolean;
}

/** Instance or replica bounds as the platform holds them now. */
export interface ScalingState {
  platform: PlatformKind;
  /** Cloud Run service-level `scaling.{min,max}InstanceCount` (shared by every revision with traffic). */
  service?: { min?: number; max?: number };
  /** Cloud Run `template.scaling.{min,max}InstanceCount` of the serving template. */
  template?: { min?: number; max?: number };
  /** Kubernetes: desired replicas from the scale subresource; compose: the service's containers. */
  replicas?: number;
  /** Kubernetes: the HorizontalPodAutoscaler that manages this Deployment, if any, and its resourceVersion. */
  hpa?: { name: string; min?: number; max: number; version?: string };
  /** Kubernetes: the resourceVersion of the scale read, which a change based on it carries as a precondition. */
  version?: string;
  /** Cloud Run, after a template change: the revision it created and the share of traffic that revision gets. */
  reached?: { revision: string; percent: number };
}

/** A scaling change; only the given fields change. */
export type ScalingChange =
  | { platform: 'cloud-run'; level: 'service' | 'template'; min?: number; max?: number }
  | {
      platform: 'kubernetes';
      replicas: number;
      /** The resourceVersion the change is based on: the API server refuses it (409) if the Deployment changed since. */
      version?: string;
      /**
       * The replicas read with `version`: after a 409 the change goes again on the new version while the replicas
       * are still these (a status write of the controllers moved the version), and is refused when they are not.
       */
      from?: number;
    }
  | { platform: 'compose'; replicas: number };

/** Options of a mutation that waits for the platform to finish. */
export interface WaitOptions {
  signal?: AbortSignal;
}

/** Options of {@link ServicePlatform.routeAll}. */
export interface RouteOptions extends WaitOptions {
  /**
   * Act only if this revision still gets traffic, checked on the same read whose version guards the write
   * (Cloud Run etag, Kubernetes resourceVersion); otherwise {@link ServingChangedError} and nothing changes.
   */
  expectServing?: string;
}

/**
 * The service platform port, bound to one service: reads status and revisions, moves traffic back
 * (Cloud Run) or undoes a rollout (Kubernetes), and reads or changes scaling. Errors are OpsErrors:
 * `NotFoundError` for a missing service or revision, `DependencyError` when the API fails or hangs.
 */
export interface ServicePlatform {
  readonly kind: PlatformKind;
  /** Human identifier of the service, as in {@link ServiceStatus.target}. */
  readonly target: string;
  /** Reads the service, its traffic and its revisions. */
  status(): Promise<ServiceStatus>;
  /**
   * Makes `revision` serve everything and waits until the platform says it is done: Cloud Run sends 100 %
   * of traffic to it; Kubernetes rolls the Deployment back to that ReplicaSet's template (`rollout undo`).
   */
  routeAll(revision: string, options?: RouteOptions): Promise<ServiceStatus>;
  /** Reads the scaling bounds. */
  scaling(): Promise<ScalingState>;
  /** Changes the scaling bounds and waits until the platform accepted them. */
  scale(change: ScalingChange, options?: WaitOptions): Promise<ScalingState>;
  /** Reads what a health check judges: readiness, failed deploys, replicas and pods. */
  health(): Promise<PlatformHealth>;
  /**
   * Restarts the service with its configuration unchanged and waits until the platform is done: Kubernetes a
   * rollout restart (the pod template's `kubectl.kubernetes.io/restartedAt` annotation), Cloud Run a new revision.
   */
  restart(options: RestartOptions): Promise<PlatformHealth>;
}

/** One pod of a Kubernetes Deployment, as a health check reads it. */
export interface PodHealth {
  name: string;
  /** `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`. */
  phase: string;
  /** The pod's Ready condition. */
  ready: boolean;
  /** Container restarts, summed over the pod's containers. */
  restarts: number;
  /** Why a container waits (`CrashLoopBackOff`, `ImagePullBackOff`), when one does. */
  waiting?: string;
}

/** A service's health as its platform reports it now. */
export interface PlatformHealth {
  platform: PlatformKind;
  target: string;
  /** Cloud Run: Ready and not reconciling; Kubernetes: every desired replica available. */
  ready: boolean;
  /** Why it is not ready, as the platform words it. */
  message?: string;
  /** Cloud Run: the newest revision and the newest Ready one (short names); they differ after a failed deploy. */
  latestCreated?: string;
  latestReady?: string;
  /** Cloud Run: all traffic follows the latest ready revision, so a new revision gets it. */
  followsLatest?: boolean;
  /** Kubernetes: desired, available, ready and updated replicas. */
  replicas?: { desired: number; available: number; ready: number; updated: number };
  pods?: PodHealth[];
  /** Kubernetes: the Deployment is paused. */
  paused?: boolean;
}

/** Options of {@link ServicePlatform.restart}. */
export interface RestartOptions extends WaitOptions {
  /** The restart time recorded on the platform (the `restartedAt` annotation). */
  at: Date;
}

/** Options of {@link PinnablePlatform.followLatest}. */
export interface FollowOptions extends WaitOptions {
  /**
   * Release only onto this revision (compose: image): checked on the read that guards the write, where another
   * latest refuses with `LatestChangedError` and nothing changes, and on the read after it, where another
   * latest (a deploy that finished during the release) fails with the error's `landed` set.
   */
  expectLatest?: string;
}

/** A platform whose traffic can be pinned to one revision (Cloud Run), and so released again. */
export interface PinnablePlatform extends ServicePlatform {
  /** Sends 100 % of traffic to the latest ready revision (traffic type LATEST) and waits for the operation. */
  followLatest(options?: FollowOptions): Promise<ServiceStatus>;
}

/** Whether a platform supports {@link PinnablePlatform.followLatest}. */
export function isPinnable(platform: ServicePlatform): platform is PinnablePlatform {
  return typeof (platform as Partial<PinnablePlatform>).followLatest === 'function';
}

/** Timing knobs shared by the platform adapters; tests shorten them. */
export interface PlatformTiming {
  timeoutMs?: number;
  retries?: number;
  retryDelayMs?: number;
  /** Cloud Run operation wait and Kubernetes rollout wait. */
  waitTimeoutMs?: number;
  pollMs?: number;
}

/** What building a platform adapter needs besides the service's own config. */
export interface PlatformDeps {
  endpoints: Endpoints;
  secret(ref: SecretRef): Promise<string>;
  /** Google credentials for Cloud Run; default application default credentials. */
  google?: GoogleAccess;
  timing?: PlatformTiming;
  /** Where a compose service's image history is kept (compose keeps none of its own). */
  state?: StateStore;
}
