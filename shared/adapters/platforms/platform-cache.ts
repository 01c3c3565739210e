import type { Endpoints, SecretRef, Service } from '../../core/config/index.js';
import type { StateStore } from '../../core/state/index.js';
import type { GoogleAccess } from '../google/index.js';
import type { PlatformDeps, PlatformTiming } from './create-platform.js';

/** What building an adapter reads of a run: the estate's endpoints and its secret resolver. */
export interface PlatformRunContext {
  config: { endpoints: Endpoints };
  secret(ref: SecretRef): Promise<string>;
  /** The run's state store, where a compose adapter keeps its image history. */
  state?: StateStore;
}

/** How a {@link platformCache} builds an adapter it does not hold yet. */
export interface PlatformCacheOptions<P> {
  build(service: Service, deps: PlatformDeps): Promise<P>;
  /** Google credentials for Cloud Run services, asked for a client only when a call needs one. */
  google?: GoogleAccess | undefined;
  timing?: PlatformTiming | undefined;
}

/**
 * Platform adapters kept per service and endpoints, so a warm instance reuses its clients; a build that
 * failed is dropped, so the next run tries again.
 */
export function platformCache<P>(
  options: PlatformCacheOptions<P>,
): (ref: { service: Service }, ctx: PlatformRunContext) => Promise<P> {
  // Kept per state store too: a compose adapter writes its history to the store it was built with.
  const byState = new WeakMap<object, Map<string, Promise<P>>>();
  const stateless = new Map<string, Promise<P>>();
  const { timing, google } = options;
  return (ref, ctx) => {
    const key = JSON.stringify([ref, ctx.config.endpoints]);
    let platforms = ctx.state ? byState.get(ctx.state) : stateless;
    if (!platforms) {
      platforms = new Map();
      if (ctx.state) byState.set(ctx.state, platforms);
    }
    const cache = platforms;
    let platform = platforms.get(key);
    if (!platform) {
      platform = options.build(ref.service, {
        endpoints: ctx.config.endpoints,
        secret: (r) => ctx.secret(r),
        ...(google ? { google } : {}),
        ...(timing ? { timing } : {}),
        ...(ctx.state ? { state: ctx.state } : {}),
      });
      // A failed build (an unreadable token secret, say) is retried on the next run, not cached.
      platform.catch(() => cache.delete(key));
      platforms.set(key, platform);
    }
    return platform;
  };
}
