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

/**
 * Production dependencies: Cloud Run Admin v2 or the Kubernetes API, as the estate names them. Adapters
 * are kept per service and endpoints, so a warm instance reuses its clients and its cached access token.
 */
export function defaultAutoscaleDeps(options: DefaultAutoscaleDepsOptions = {}): AutoscaleDeps {
  const platforms = new Map<string, Promise<ScalingPlatform>>();
  let shared: Promise<unknown> | undefined;
  const googleAuth = () => {
    shared ??= options.googleAuth
      ? Promise.resolve(options.googleAuth)
      : import('google-auth-library').then(
          ({ GoogleAuth }) => new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] }),
        );
    return shared;
  };
  // Scaling changes are small: an operation that takes longer than a minute is reported, not awaited.
  const timing: PlatformTiming = { waitTimeoutMs: 60_000, ...options.timing };
  return {
    platform: (ref, ctx) => {
      const key = JSON.stringify([ref, ctx.config.endpoints]);
      let platform = platforms.get(key);
      if (!platform) {
        const needsGoogle = ref.service.platform === 'cloud-run' && ctx.config.endpoints.run?.credentials !== 'none';
        platform = (needsGoogle ? googleAuth() : Promise.resolve(undefined)).then((auth) =>
          createScalingPlatform(ref.service, {
            endpoints: ctx.config.endpoints,
            secret: (r) => ctx.secret(r),
            ...(auth ? { googleAuth: auth } : {}),
            timing,
          }),
        );
        // A failed build (an unreadable token secret, say) is retried on the next run, not cached.
        platform.catch(() => platforms.delete(key));
        platforms.set(key, platform);
      }
      return platform;
    },
  };
}
