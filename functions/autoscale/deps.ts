import { createGoogleAccess, type GoogleAuthClient } from '../../shared/adapters/google/index.js';
import type { PlatformTiming } from '../../shared/adapters/platforms/index.js';
import { createScalingPlatform, platformCache, type ScalingPlatform } from '../../shared/adapters/platforms/index.js';
import type { ServiceRef } from '../../shared/core/policy/index.js';
import type { Context } from '../../shared/core/run/index.js';

/** What the autoscale function talks to; tests hand in their own. */
export interface AutoscaleDeps {
  platform(ref: ServiceRef, ctx: Context): Promise<ScalingPlatform>;
}

/** Options of the production dependencies. */
export interface DefaultAutoscaleDepsOptions {
  timing?: PlatformTiming;
  /** google-auth-library client for Cloud Run; default application default credentials. */
  googleAuth?: GoogleAuthClient;
}

/**
 * Production dependencies: Cloud Run Admin v2 or the Kubernetes API, as the estate names them. Adapters
 * are kept per service and endpoints, so a warm instance reuses its clients and its cached access token.
 */
export function defaultAutoscaleDeps(options: DefaultAutoscaleDepsOptions = {}): AutoscaleDeps {
  // Scaling changes are small: an operation that takes longer than a minute is reported, not awaited.
  const timing: PlatformTiming = { waitTimeoutMs: 60_000, ...options.timing };
  return {
    platform: platformCache({
      build: createScalingPlatform,
      google: createGoogleAccess({ client: options.googleAuth }),
      timing,
    }),
  };
}
