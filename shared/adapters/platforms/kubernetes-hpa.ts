import type { AutoscalingV2Api, ConfigurationOptions } from '@kubernetes/client-node';
import { BadInputError, httpStatusOf } from '../../core/errors/index.js';
import { ConcurrentChangeError, wrapPlatformError } from './errors.js';
import { loadKubernetesClient } from './kubernetes-client.js';
import { type KubernetesPlatformOptions, VERSION_RETRIES } from './kubernetes-platform.js';

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
  async setMinReplicas(name: string, min: number, max: number, version?: string, from?: number): Promise<void> {
    if (!Number.isInteger(min) || min < 1 || min > max) {
      throw new BadInputError(`HPA ${this.options.namespace}/${name}: minReplicas must be 1..${max}, got ${min}`);
    }
    const clients = await this.api();
    const { namespace } = this.options;
    let current = version;
    for (let attempt = 1; ; attempt++) {
      try {
        // Writes are not retried on errors: a timed-out PATCH may have landed; the caller re-reads instead.
        await clients.autoscaling.patchNamespacedHorizontalPodAutoscaler(
          {
            name,
            namespace,
            // With the version read, a concurrent change of the HPA is refused (409), not overwritten.
            body: { ...(current ? { metadata: { resourceVersion: current } } : {}), spec: { minReplicas: min } },
          },
          clients.mergePatch,
        );
        return;
      } catch (error) {
        if (!current || httpStatusOf(error) !== 409) {
          throw wrapPlatformError(error, `setting minReplicas of HPA ${namespace}/${name}`);
        }
        // The HPA controller writes its status every sync (15 s by default), moving resourceVersion: while the
        // bounds are still those the change was based on, it goes again on the new version.
        // Listed, not read: the Role grants `list` on HPAs, as the scaling read uses.
        const listed = await clients.autoscaling
          .listNamespacedHorizontalPodAutoscaler({ namespace }, clients.options)
          .catch((read: unknown) => {
            throw wrapPlatformError(read, `listing autoscalers in ${namespace}`);
          });
        const now = listed.items.find((h) => h.metadata?.name === name) ?? {};
        const same = from !== undefined && now.spec?.minReplicas === from && now.spec?.maxReplicas === max;
        if (attempt >= VERSION_RETRIES || !same) {
          throw new ConcurrentChangeError(
            `HPA ${namespace}/${name} changed since it was read (minReplicas ${from ?? '?'} → ${now.spec?.minReplicas ?? '?'}, maxReplicas ${max} → ${now.spec?.maxReplicas}): another change got there first`,
            { version: current },
          );
        }
        current = now.metadata?.resourceVersion;
      }
    }
  }
}
