import type { ConfigurationOptions, KubeConfig } from '@kubernetes/client-node';
import type { KubernetesService } from '../../core/config/index.js';
import type { PlatformDeps } from './service-platform.js';

/** How a Kubernetes client reaches the API server. */
export interface KubernetesConnection {
  namespace: string;
  /** API server URL; when omitted the kubeconfig (`KUBECONFIG` or `~/.kube/config`) is used. */
  server?: string;
  /** Bearer token for `server`. */
  token?: string;
  /** Kubeconfig context to use when no `server` is given. */
  context?: string;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
}

/** A loaded `@kubernetes/client-node`, its config for one connection, and request options with a deadline. */
export interface KubernetesClient {
  k8s: typeof import('@kubernetes/client-node');
  kc: KubeConfig;
  /** Pass to every call: each request gets its own deadline. */
  deadline: ConfigurationOptions;
}

/** Loads `@kubernetes/client-node` on first use and configures it for one connection. */
export async function loadKubernetesClient(o: KubernetesConnection): Promise<KubernetesClient> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (o.server) {
    // The client refuses plain http unless TLS checks are off; there is no TLS to check on http (kubectl proxy).
    const plainHttp = new URL(o.server).protocol === 'http:';
    kc.loadFromOptions({
      clusters: [{ name: 'opsfn', server: o.server, skipTLSVerify: plainHttp }],
      users: [{ name: 'opsfn', ...(o.token ? { token: o.token } : {}) }],
      contexts: [{ name: 'opsfn', cluster: 'opsfn', user: 'opsfn', namespace: o.namespace }],
      currentContext: 'opsfn',
    });
  } else {
    kc.loadFromDefault();
    if (o.context) kc.setCurrentContext(o.context);
  }
  const timeoutMs = o.timeoutMs ?? 10_000;
  // Each request gets its own deadline: the client has no timeout of its own and would wait forever.
  const deadline: ConfigurationOptions = {
    middleware: [
      {
        pre: (request) => {
          request.setSignal(AbortSignal.timeout(timeoutMs));
          return new k8s.Observable(Promise.resolve(request));
        },
        post: (response) => new k8s.Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
  return { k8s, kc, deadline };
}

/**
 * Where an estate Kubernetes service's API server is: its own `server`, else its kubeconfig `context`, else the
 * estate's `endpoints.kubernetes`; with its bearer token read from the secret it names.
 */
export async function kubernetesAccess(
  service: KubernetesService,
  deps: Pick<PlatformDeps, 'endpoints' | 'secret'>,
): Promise<Pick<KubernetesConnection, 'server' | 'token' | 'context'>> {
  const server = service.server ?? (service.context ? undefined : deps.endpoints.kubernetes?.url);
  const token = service.token ? await deps.secret(service.token) : undefined;
  return {
    ...(server ? { server } : {}),
    ...(token ? { token } : {}),
    ...(service.context ? { context: service.context } : {}),
  };
}
