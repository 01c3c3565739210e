import { setTimeout as delay } from 'node:timers/promises';
import {
  createGoogleAccess,
  endpointAuth,
  type GoogleAuthClient,
  type HeaderSource,
} from '../../shared/adapters/google/index.js';
import type { MetricsSource } from '../../shared/adapters/metrics/index.js';
import {
  CloudMonitoringMetrics,
  ProbeMetrics,
  PrometheusMetrics,
  prometheusAuth,
} from '../../shared/adapters/metrics/index.js';
import type { ServicePlatform } from '../../shared/adapters/platforms/index.js';
import { createServicePlatform, type PlatformTiming, platformCache } from '../../shared/adapters/platforms/index.js';
import type { ServiceRef } from '../../shared/core/policy/index.js';
import type { Context } from '../../shared/core/run/index.js';
import type { RollbackPolicy } from './config.js';

/** What the rollback function talks to; tests hand in their own. */
export interface RollbackDeps {
  platform(ref: ServiceRef, ctx: Context): Promise<ServicePlatform>;
  /** The metrics source for a service under a policy; undefined when the estate has none for it. */
  metrics(ref: ServiceRef, policy: RollbackPolicy | undefined, ctx: Context): MetricsSource | undefined;
  /** Waits `ms` (the settle time); rejects when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** Options of the production dependencies. */
export interface DefaultRollbackDepsOptions {
  timing?: PlatformTiming;
  /** google-auth-library client for Cloud Run and Cloud Monitoring; default application default credentials. */
  googleAuth?: GoogleAuthClient;
  metricsTimeoutMs?: number;
  metricsRetries?: number;
}

/**
 * Production dependencies: platform adapters from the estate, Cloud Monitoring, Prometheus or a probe, a real timer.
 * Adapters are kept per service and config, so a warm instance reuses clients and cached access tokens.
 */
export function defaultRollbackDeps(options: DefaultRollbackDepsOptions = {}): RollbackDeps {
  const bounds = {
    timeoutMs: options.metricsTimeoutMs ?? 5_000,
    retries: options.metricsRetries ?? 2,
  };
  const sources = new Map<string, MetricsSource | undefined>();
  const keyOf = (...parts: unknown[]) => JSON.stringify(parts);
  // One credentials client for Cloud Run and Cloud Monitoring, so a warm instance reuses its access token.
  const google = createGoogleAccess({ client: options.googleAuth });
  const headers: HeaderSource = { getRequestHeaders: async (url) => (await google.client()).getRequestHeaders(url) };
  return {
    platform: platformCache({ build: createServicePlatform, google, timing: options.timing }),
    metrics: (ref, policy, ctx) => {
      // Built per run: its credentials resolve through this run's secret resolver (and redactor).
      if (policy?.errorRate.query !== undefined) return buildPrometheus(policy, ctx);
      const key = keyOf(ref, policy?.errorRate, ctx.config.endpoints);
      if (!sources.has(key)) sources.set(key, buildMetrics(ref, policy, ctx));
      return sources.get(key);
    },
    sleep: async (ms, signal) => {
      await delay(ms, undefined, { signal });
    },
  };

  function buildPrometheus(policy: RollbackPolicy, ctx: Context): MetricsSource | undefined {
    const { prometheus } = ctx.config.endpoints;
    const { query, totalQuery } = policy.errorRate;
    if (!prometheus || query === undefined) return undefined;
    const auth = prometheusAuth(prometheus.credentials, headers, (ref) => ctx.secret(ref));
    return new PrometheusMetrics({
      url: prometheus.url,
      query,
      measure: policy.errorRate.threshold.kind,
      ...bounds,
      ...(totalQuery ? { totalQuery } : {}),
      ...(auth ? { auth } : {}),
    });
  }

  function buildMetrics(ref: ServiceRef, policy: RollbackPolicy | undefined, ctx: Context): MetricsSource | undefined {
    const { endpoints } = ctx.config;
    const probe = policy?.errorRate.probe;
    if (probe) return new ProbeMetrics({ url: probe.url, samples: probe.samples, timeoutMs: probe.timeout });
    if (ref.service.platform !== 'cloud-run') return undefined;
    const monitoring = endpoints.monitoring;
    return new CloudMonitoringMetrics({
      project: ref.service.project,
      service: ref.service.name,
      ...bounds,
      ...(monitoring ? { rootUrl: monitoring.url } : {}),
      ...(monitoring?.visibleAfter === undefined ? {} : { visibleAfterMs: monitoring.visibleAfter }),
      now: () => ctx.now(),
      auth: endpointAuth(monitoring, headers),
    });
  }
}
