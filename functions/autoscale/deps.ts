import type { PlatformTiming } from '../../shared/platforms/create-platform.js';
import { createScalingPlatform, type ScalingPlatform } from '../../shared/platforms/scaling.js';
import type { Context } from '../../shared/runtime/types.js';
import type { ServiceRef } from './match.js';

/** What the autoscale function talks to; tests hand in their own. */
export interface AutoscaleDeps {
  platform(ref: ServiceRef, ctx: Context): Promise<ScalingPlatform>;
}

/** Options of the production dependencies. */
export interface DefaultAutoscaleDepsOptions {
  timing?: PlatformTiming;
  /** google-auth-library client for Cloud Run; default application default credentials. */
  googleAuth?: unknown;
}

/** Production dependencies: Cloud Run Admin v2 or the Kubernetes API, as the estate names them. */
export function defaultAutoscaleDeps(options: DefaultAutoscaleDepsOptions = {}): AutoscaleDeps {
  return {
    platform: (ref, ctx) =>
      createScalingPlatform(ref.service, {
        endpoints: ctx.config.endpoints,
        secret: (r) => ctx.secret(r),
        ...(options.googleAuth ? { googleAuth: options.googleAuth } : {}),
        // Scaling changes are small: an operation that takes longer than a minute is reported, not awaited.
        timing: { waitTimeoutMs: 60_000, ...options.timing },
      }),
  };
}
