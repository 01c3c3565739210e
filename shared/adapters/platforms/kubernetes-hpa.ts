import type { AutoscalingV2Api, ConfigurationOptions } from '@kubernetes/client-node';
import { BadInputError, httpStatusOf } from '../../core/errors/index.js';
import { ConcurrentChangeError, wrapPlatformError } from './errors.js';
import { loadKubernetesClient } from './kubernetes-client.js';
import type { KubernetesPlatformOptions } from './kubernetes-platform.js';

interface HpaClients {
  autoscaling: AutoscalingV2Api;
  options: ConfigurationOptions;
  mergePatch: ConfigurationOptions;
}

/**
 * Changes a HorizontalPodAutoscaler's `minReplicas` (merge patch on `autoscaling/v2`), for Deployments
 * whose replicas belong to the HPA. Reaches the API server the same way {@link KubernetesPlatform} does.
 */
export class KubernetesHpaClient {
  private clients: Promise<HpaClients> | undefined;

  constructor(private readonly options: KubernetesPlatformOptions) {}

  private api(): Promise<HpaClients> {
    this.clients ??= this.load();
    return this.clients;
  }

  private async load(): Promise<HpaClients> {
    const { k8s, kc, deadline } = await loadKubernetesClient(this.options);
    return {
      autoscaling: kc.makeApiClient(k8s.AutoscalingV2Api),
      options: deadline,
      mergePatch: k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch, deadline as never),
    };
  }

  /**
   * Sets `spec.minReplicas` of HPA `name`, on the HPA as read when `version` is given; refuses values outside
   * 1..`spec.maxReplicas` as the API would.
   */
  async setMinReplicas(name: string, min: number, max: number, version?: string): Promise<void> {
    if (!Number.isInteger(min) || min < 1 || min > max) {
      throw new BadInputError(`HPA ${this.options.namespace}/${name}: minReplicas must be 1..${max}, got ${min}`);
    }
    const clients = await this.api();
    try {
      // Writes are not retried: a timed-out PATCH may have landed; the caller re-reads instead.
      await clients.autoscaling.patchNamespacedHorizontalPodAutoscaler(
        {
          name,
          namespace: this.options.namespace,
          // With the version read, a concurrent change of the HPA is refused (409), not overwritten.
          body: { ...(version ? { metadata: { resourceVersion: version } } : {}), spec: { minReplicas: min } },
        },
        clients.mergePatch,
      );
    } catch (error) {
      if (version && httpStatusOf(error) === 409) {
        throw new ConcurrentChangeError(
          `HPA ${this.options.namespace}/${name} changed since it was read (resourceVersion ${version}): another change got there first`,
          { version },
        );
      }
      throw wrapPlatformError(error, `setting minReplicas of HPA ${this.options.namespace}/${name}`);
    }
  }
}
