import type { Service } from '../../core/config/index.js';
import { BadInputError } from '../../core/errors/index.js';
import { type ChangePreview, canPreview } from './change-preview.js';
import { createServicePlatform, type PlatformDeps } from './create-platform.js';
import { kubernetesAccess } from './kubernetes-client.js';
import type { KubernetesHpaClient } from './kubernetes-hpa.js';
import type { PlatformKind, ScalingChange, ScalingState, WaitOptions } from './service-platform.js';

/** A change to scaling: a platform change, or the `minReplicas` of the HPA that owns a Deployment. */
export type ScaleRequest =
  | ScalingChange
  | { platform: 'kubernetes'; hpa: string; min: number; max: number; version?: string; from?: number };

/**
 * The scaling port, bound to one service: reads instance or replica bounds (with the HPA, if any)
 * and changes one of them. Errors are OpsErrors, as for {@link ServicePlatform}.
 */
export interface ScalingPlatform {
  readonly kind: PlatformKind;
  readonly target: string;
  /** Reads the scaling bounds. */
  scaling(): Promise<ScalingState>;
  /** Applies one change and waits until the platform accepted it; says which revision a template change reached. */
  apply(request: ScaleRequest, options?: WaitOptions): Promise<Pick<ScalingState, 'reached'>>;
  /** The command a change runs, on platforms changed through a CLI (compose). */
  preview?: ChangePreview['preview'];
}

/** Builds the scaling adapter for one estate service: Cloud Run Admin v2, or the Kubernetes API (scale subresource, HPA). */
export async function createScalingPlatform(service: Service, deps: PlatformDeps): Promise<ScalingPlatform> {
  const platform = await createServicePlatform(service, deps);
  let hpa: KubernetesHpaClient | undefined;
  if (service.platform === 'kubernetes') {
    const t = deps.timing ?? {};
    const { KubernetesHpaClient } = await import('./kubernetes-hpa.js');
    hpa = new KubernetesHpaClient({
      namespace: service.namespace,
      deployment: service.deployment,
      ...(t.timeoutMs === undefined ? {} : { timeoutMs: t.timeoutMs }),
      ...(await kubernetesAccess(service, deps)),
    });
  }
  return {
    kind: platform.kind,
    target: platform.target,
    ...(canPreview(platform) ? { preview: (change) => platform.preview(change) } : {}),
    scaling: () => platform.scaling(),
    async apply(request, options = {}) {
      if ('hpa' in request) {
        if (!hpa) throw new BadInputError(`${platform.target}: HPA changes apply to Kubernetes services only`);
        await hpa.setMinReplicas(request.hpa, request.min, request.max, request.version, request.from);
        return {};
      }
      const { reached } = await platform.scale(request, options);
      return reached ? { reached } : {};
    },
  };
}
