import type { Service } from '../../core/config/index.js';
import { endpointAuth } from '../google/index.js';
import { kubernetesAccess } from './kubernetes-client.js';
import type { PlatformDeps, ServicePlatform } from './service-platform.js';

export type { PlatformDeps, PlatformTiming } from './service-platform.js';

/**
 * Builds the adapter for one estate service: Cloud Run Admin v2, the Kubernetes API, or Docker and compose. Each
 * platform's code is imported on its first service, so a bundle does not load (or compile, at a cold start) the
 * platforms its estate does not use.
 */
export async function createServicePlatform(service: Service, deps: PlatformDeps): Promise<ServicePlatform> {
  const t = deps.timing ?? {};
  const common = {
    ...(t.timeoutMs === undefined ? {} : { timeoutMs: t.timeoutMs }),
    ...(t.retries === undefined ? {} : { retries: t.retries }),
    ...(t.retryDelayMs === undefined ? {} : { retryDelayMs: t.retryDelayMs }),
    ...(t.pollMs === undefined ? {} : { pollMs: t.pollMs }),
  };
  if (service.platform === 'cloud-run') {
    const { CloudRunPlatform } = await import('./cloud-run-platform.js');
    const endpoint = deps.endpoints.run;
    const auth = endpointAuth(endpoint);
    return new CloudRunPlatform({
      project: service.project,
      region: service.region,
      service: service.name,
      ...common,
      ...(endpoint ? { rootUrl: endpoint.url } : {}),
      ...(auth === undefined ? {} : { auth }),
      ...(deps.google ? { access: deps.google } : {}),
      ...(t.waitTimeoutMs === undefined ? {} : { operationTimeoutMs: t.waitTimeoutMs }),
    });
  }
  if (service.platform === 'compose') {
    const { ComposePlatform } = await import('./compose-platform.js');
    const { platform: _, ...config } = service;
    return new ComposePlatform({
      ...config,
      ...(deps.state ? { history: deps.state } : {}),
      ...(t.timeoutMs === undefined ? {} : { timeoutMs: t.timeoutMs }),
      ...(t.waitTimeoutMs === undefined ? {} : { waitTimeoutMs: t.waitTimeoutMs }),
      ...(t.pollMs === undefined ? {} : { pollMs: t.pollMs }),
    });
  }
  const { KubernetesPlatform } = await import('./kubernetes-platform.js');
  return new KubernetesPlatform({
    namespace: service.namespace,
    deployment: service.deployment,
    ...common,
    ...(await kubernetesAccess(service, deps)),
    ...(t.waitTimeoutMs === undefined ? {} : { rolloutTimeoutMs: t.waitTimeoutMs }),
  });
}
