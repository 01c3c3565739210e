import type { AutoscalingV2Api, ConfigurationOptions } from '@kubernetes/client-node';
import { BadInputError } from '../../core/errors/index.js';
import { wrapPlatformError } from './errors.js';
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

  /** Sets `spec.minReplicas` of HPA `name`; refuses values outside 1..`spec.maxReplicas` as the API would. */
  async setMinReplicas(name: string, min: number, max: number): Promise<void> {
    if (!Number.isInteger(min) || min < 1 || min > max) {
      throw new BadInputError(`HPA ${this.options.namespace}/${name}: minReplicas must be 1..${max}, got ${min}`);
    }
    const clients = await this.api();
    try {
      // Writes are not retried: a timed-out PATCH may have landed; the caller re-reads instead.
      await clients.autoscaling.patchNamespacedHorizontalPodAutoscaler(
        { name, namespace: this.options.namespace, body: { spec: { minReplicas: min } } },
        clients.mergePatch,
      );
    } catch (error) {
      throw wrapPlatformError(error, `setting minReplicas of HPA ${this.options.namespace}/${name}`);
    }
  }
}
