import { setTimeout as delay } from 'node:timers/promises';
import type { AppsV1Api, AutoscalingV2Api, ConfigurationOptions, CoreV1Api } from '@kubernetes/client-node';
import { BadInputError, httpStatusOf } from '../../core/errors/index.js';
import {
  ConcurrentChangeError,
  PlatformOperationError,
  PlatformTimeoutError,
  ServingChangedError,
  wrapPlatformError,
} from './errors.js';
import { type KubernetesConnection, loadKubernetesClient } from './kubernetes-client.js';
import { type K8sPod, restartedTemplate, toKubernetesHealth } from './kubernetes-health.js';
import {
  type K8sDeployment,
  type K8sReplicaSet,
  ownedReplicaSets,
  rollingOut,
  rolloutState,
  sameTemplate,
  selectorString,
  toDeploymentStatus,
  undoPatch,
} from './kubernetes-rollout.js';
import type {
  PlatformHealth,
  RestartOptions,
  RouteOptions,
  ScalingChange,
  ScalingState,
  ServicePlatform,
  ServiceStatus,
  WaitOptions,
} from './service-platform.js';

/**
 * How often a guarded write goes again after the object moved under it in a way that leaves its base intact (a
 * controller's status write, an HPA's scale); the HPA client's writes go again as often.
 */
export const VERSION_RETRIES = 3;

/** How a Kubernetes adapter reaches the API server and how long it waits. */
export interface KubernetesPlatformOptions extends KubernetesConnection {
  deployment: string;
  /** Retries of reads on 5xx, 429 and timeouts; writes are never retried. Default 2. */
  retries?: number;
  retryDelayMs?: number;
  /** How long to wait for the rollout; default 5 min. */
  rolloutTimeoutMs?: number;
  pollMs?: number;
  now?: () => number;
}

interface Clients {
  apps: AppsV1Api;
  autoscaling: AutoscalingV2Api;
  core: CoreV1Api;
  patchOptions: ConfigurationOptions;
}

/** The {@link ServicePlatform} for a Kubernetes Deployment, on `@kubernetes/client-node` loaded on first use. */
export class KubernetesPlatform implements ServicePlatform {
  readonly kind = 'kubernetes' as const;
  readonly target: string;
  private clients: Promise<Clients> | undefined;

  constructor(private readonly options: KubernetesPlatformOptions) {
    this.target = `${options.namespace}/${options.deployment}`;
  }

  private api(): Promise<Clients> {
    this.clients ??= this.load();
    return this.clients;
  }

  private async load(): Promise<Clients> {
    const { k8s, kc, deadline } = await loadKubernetesClient(this.options);
    return {
      apps: kc.makeApiClient(k8s.AppsV1Api),
      autoscaling: kc.makeApiClient(k8s.AutoscalingV2Api),
      core: kc.makeApiClient(k8s.CoreV1Api),
      patchOptions: deadline,
    };
  }

  private async read<T>(doing: string, call: (c: Clients) => Promise<T>): Promise<T> {
    const clients = await this.api();
    const retries = this.options.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call(clients);
      } catch (error) {
        const wrapped = wrapPlatformError(error, doing);
        if (!wrapped.retryable || attempt >= retries) throw wrapped;
        await delay((this.options.retryDelayMs ?? 200) * 2 ** attempt);
      }
    }
  }

  private deployment(): Promise<K8sDeployment> {
    const { deployment: name, namespace } = this.options;
    return this.read(`reading deployment ${this.target}`, (c) =>
      c.apps.readNamespacedDeployment({ name, namespace }, c.patchOptions),
    );
  }

  private async replicaSets(d: K8sDeployment): Promise<K8sReplicaSet[]> {
    const labelSelector = selectorString(d.spec?.selector);
    const { namespace } = this.options;
    const list = await this.read(`listing replicasets of ${this.target}`, (c) =>
      c.apps.listNamespacedReplicaSet({ namespace, labelSelector }, c.patchOptions),
    );
    return list.items;
  }

  /** Reads the Deployment and the ReplicaSets it owns. */
  async status(): Promise<ServiceStatus> {
    const d = await this.deployment();
    return toDeploymentStatus(this.target, d, await this.replicaSets(d));
  }

  /** Rolls the Deployment back to ReplicaSet `revision` the way `kubectl rollout undo` does, then waits for the rollout. */
  async routeAll(revision: string, options: RouteOptions = {}): Promise<ServiceStatus> {
    const d = await this.deployment();
    if (d.spec?.paused) throw new BadInputError(`deployment ${this.target} is paused: resume it before a rollback`);
    const all = await this.replicaSets(d);
    if (options.expectServing !== undefined) {
      // The Deployment's current ReplicaSet only: an old one still draining does not count as serving. A
      // template no ReplicaSet has yet is a deploy the controller has not picked up: it serves next, so
      // the expected revision no longer counts as serving and the rollback would undo a deploy nobody judged.
      const pending = !ownedReplicaSets(d, all).some((rs) => sameTemplate(rs.spec?.template, d.spec?.template));
      const serving = pending
        ? `a new template not yet rolled out (generation ${d.metadata?.generation ?? '?'})`
        : toDeploymentStatus(this.target, d, all).serving;
      if (serving !== options.expectServing) throw new ServingChangedError(options.expectServing, serving);
    }
    const rs = ownedReplicaSets(d, all).find((r) => r.metadata?.name === revision);
    if (!rs) throw new BadInputError(`replicaset ${revision} is not a revision of deployment ${this.target}`);
    if (!sameTemplate(rs.spec?.template, d.spec?.template)) {
      const moved = await this.patchTemplate(d, undoPatch(d, rs), `patching deployment ${this.target}`);
      if (moved)
        throw new ServingChangedError(options.expectServing ?? revision, 'a pod template written since the read');
    }
    await this.waitForRollout(options);
    return this.status();
  }

  private async waitForRollout(options: WaitOptions): Promise<void> {
    const now = this.options.now ?? Date.now;
    const deadline = now() + (this.options.rolloutTimeoutMs ?? 300_000);
    for (;;) {
      const state = rolloutState(await this.deployment());
      if (state.failed) throw new PlatformOperationError(`rollout of ${this.target} failed: ${state.failed}`);
      if (state.done) return;
      if (now() >= deadline) {
        throw new PlatformTimeoutError(`rollout of ${this.target} not finished in time; it may still complete`);
      }
      await delay(this.options.pollMs ?? 1_000, undefined, options.signal ? { signal: options.signal } : {});
    }
  }

  /** Reads the Deployment's replicas and the pods its selector picks (phase, readiness, restarts, waiting reason). */
  async health(): Promise<PlatformHealth> {
    const d = await this.deployment();
    const labelSelector = selectorString(d.spec?.selector);
    const { namespace } = this.options;
    const pods = await this.read(`listing pods of ${this.target}`, (c) =>
      c.core.listNamespacedPod({ namespace, labelSelector }, c.patchOptions),
    );
    return toKubernetesHealth(this.target, d, pods.items as K8sPod[]);
  }

  /**
   * Applies a JSON Patch that writes the pod template, guarded by a `test` of `metadata.generation` (which only a
   * change of the spec moves, not the controllers' status writes that move resourceVersion every few seconds).
   * A failed test (422) is looked at on a fresh read: a replicas change (an HPA's scale) leaves the template as
   * read and the patch goes again on the new generation; a template written since is returned as `true`, and
   * nothing was changed.
   */
  private async patchTemplate(read: K8sDeployment, ops: object[], what: string): Promise<boolean> {
    const { deployment: name, namespace } = this.options;
    const clients = await this.api();
    let generation = read.metadata?.generation;
    for (let attempt = 1; ; attempt++) {
      const guard = generation === undefined ? [] : [{ op: 'test', path: '/metadata/generation', value: generation }];
      try {
        await clients.apps.patchNamespacedDeployment(
          { name, namespace, body: [...guard, ...ops] },
          clients.patchOptions,
        );
        return false;
      } catch (error) {
        if (generation === undefined || httpStatusOf(error) !== 422) throw wrapPlatformError(error, what);
        const now = await this.deployment();
        if (!sameTemplate(now.spec?.template, read.spec?.template)) return true;
        if (attempt >= VERSION_RETRIES || now.metadata?.generation === generation) throw wrapPlatformError(error, what);
        generation = now.metadata?.generation;
      }
    }
  }

  /**
   * `kubectl rollout restart`: sets the pod template's `restartedAt` annotation (a JSON Patch guarded by the
   * template as read) and waits for the rollout. Refused on a paused Deployment, which would not roll out, and on
   * one in the middle of a rollout.
   */
  async restart(options: RestartOptions): Promise<PlatformHealth> {
    const d = await this.deployment();
    if (d.spec?.paused) throw new BadInputError(`deployment ${this.target} is paused: resume it before a restart`);
    // A restart mid-rollout would start yet another rollout over the one in progress (a stuck deploy is the
    // rollback's, or a person's): refused, so remediation pages instead.
    const rolling = rollingOut(d);
    if (rolling)
      throw new BadInputError(`deployment ${this.target} is rolling out (${rolling}): not restarting it now`);
    const replace = { op: 'replace', path: '/spec/template', value: restartedTemplate(d, options.at) };
    if (await this.patchTemplate(d, [replace], `restarting deployment ${this.target}`)) {
      throw new ConcurrentChangeError(
        `${this.target}: its pod template changed since it was read (a deploy got there first); not restarted`,
        { generation: d.metadata?.generation },
      );
    }
    await this.waitForRollout(options);
    return this.health();
  }

  /** Reads desired replicas (scale subresource) and the HPA that manages the Deployment, if any. */
  async scaling(): Promise<ScalingState> {
    const { deployment: name, namespace } = this.options;
    const scale = await this.read(`reading scale of ${this.target}`, (c) =>
      c.apps.readNamespacedDeploymentScale({ name, namespace }, c.patchOptions),
    );
    const hpas = await this.read(`listing autoscalers in ${namespace}`, (c) =>
      c.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace }, c.patchOptions),
    );
    const hpa = hpas.items.find(
      (h) => h.spec?.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === name,
    );
    return {
      platform: 'kubernetes',
      ...(scale.spec?.replicas === undefined ? {} : { replicas: scale.spec.replicas }),
      ...(scale.metadata?.resourceVersion ? { version: scale.metadata.resourceVersion } : {}),
      ...(hpa?.spec
        ? {
            hpa: {
              name: hpa.metadata?.name ?? '',
              max: hpa.spec.maxReplicas,
              ...(hpa.spec.minReplicas === undefined ? {} : { min: hpa.spec.minReplicas }),
              ...(hpa.metadata?.resourceVersion ? { version: hpa.metadata.resourceVersion } : {}),
            },
          }
        : {}),
    };
  }

  /**
   * Sets desired replicas through the scale subresource (merge patch); with `change.version`, only on the
   * Deployment as it was read (a 409 otherwise), so a concurrent `kubectl scale` is not overwritten.
   */
  async scale(change: ScalingChange): Promise<ScalingState> {
    if (change.platform !== 'kubernetes') throw new BadInputError(`${this.target}: not a Kubernetes scaling change`);
    if (!Number.isInteger(change.replicas) || change.replicas < 0) {
      throw new BadInputError(`${this.target}: replicas must be a non-negative integer, got ${change.replicas}`);
    }
    const k8s = await import('@kubernetes/client-node');
    const { deployment: name, namespace } = this.options;
    const clients = await this.api();
    let version = change.version;
    for (let attempt = 1; ; attempt++) {
      try {
        await clients.apps.patchNamespacedDeploymentScale(
          {
            name,
            namespace,
            body: {
              ...(version ? { metadata: { resourceVersion: version } } : {}),
              spec: { replicas: change.replicas },
            },
          },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch, clients.patchOptions as never),
        );
        return this.scaling();
      } catch (error) {
        if (!version || httpStatusOf(error) !== 409) throw wrapPlatformError(error, `scaling ${this.target}`);
        // The Scale carries the Deployment's resourceVersion, which every status write of the controllers moves:
        // while the replicas are still those the change was based on, it goes on the new version.
        const now = await this.read(`reading scale of ${this.target}`, (c) =>
          c.apps.readNamespacedDeploymentScale({ name, namespace }, c.patchOptions),
        );
        const replicas = now.spec?.replicas;
        if (attempt >= VERSION_RETRIES || change.from === undefined || replicas !== change.from) {
          throw new ConcurrentChangeError(
            `${this.target}: its replicas changed since they were read (${change.from ?? '?'} → ${replicas ?? '?'}, resourceVersion ${version}): another change got there first`,
            { version, from: change.from, now: replicas },
          );
        }
        version = now.metadata?.resourceVersion;
      }
    }
  }
}
