import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { createRequire } from 'node:module';
import { setTimeout as delay } from 'node:timers/promises';
import { createGoogleAccess, type GoogleAuthClient } from '../../shared/adapters/google/index.js';
import type { PlatformTiming, ServicePlatform } from '../../shared/adapters/platforms/index.js';
import { createServicePlatform, platformCache } from '../../shared/adapters/platforms/index.js';
import type { ServiceRef } from '../../shared/core/policy/index.js';
import type { Context } from '../../shared/core/run/index.js';

/** What the health sweep talks to besides the probed targets themselves; tests hand in their own. */
export interface HealthSweepDeps {
  platform(ref: ServiceRef, ctx: Context): Promise<ServicePlatform>;
  /** A Google-signed ID token for `audience` (a private Cloud Run service's URL). */
  idToken(audience: string): Promise<string>;
  /** Authorization headers for Google APIs (Cloud Monitoring's PromQL API). */
  googleHeaders(): Promise<Record<string, string>>;
  /** Keep-alive agents the HTTP checks share, so a sweep reuses connections to the same hosts. */
  agents: { http: HttpAgent; https: HttpsAgent };
  /** Reads a CA bundle named by an HTTP check's `caFile`. */
  readCa(path: string): Promise<Buffer>;
  /** Waits `ms` between re-checks after a restart; rejects when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** Options of the production dependencies. */
export interface DefaultHealthSweepDepsOptions {
  timing?: PlatformTiming;
  /** google-auth-library client for Cloud Run, Cloud Monitoring and ID tokens; default application default credentials. */
  googleAuth?: GoogleAuthClient;
}

/**
 * Production dependencies, built once per process: platform adapters kept per service, one credentials client
 * (its access and ID tokens cached until they expire), keep-alive HTTP agents, CA bundles read once.
 */
export function defaultHealthSweepDeps(options: DefaultHealthSweepDepsOptions = {}): HealthSweepDeps {
  const google = createGoogleAccess({ client: options.googleAuth });
  const cas = new Map<string, Promise<Buffer>>();
  let httpsAgent: HttpsAgent | undefined;
  // Restarts wait for a Cloud Run operation or a rollout; a sweep's budget bounds them further.
  const timing: PlatformTiming = { timeoutMs: 10_000, waitTimeoutMs: 5 * 60_000, ...options.timing };
  return {
    platform: platformCache({ build: createServicePlatform, google, timing }),
    idToken: (audience) => google.idToken(audience),
    googleHeaders: () => google.headers(),
    agents: {
      http: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
      // Made on first use: node:https brings node:tls, which costs a cold start about 3 MiB.
      get https() {
        httpsAgent ??= new (createRequire(import.meta.url)('node:https') as typeof import('node:https')).Agent({
          keepAlive: true,
          maxSockets: 64,
        });
        return httpsAgent;
      },
    },
    readCa(path) {
      let ca = cas.get(path);
      if (!ca) {
        ca = readFile(path);
        ca.catch(() => cas.delete(path));
        cas.set(path, ca);
      }
      return ca;
    },
    sleep: async (ms, signal) => {
      await delay(ms, undefined, { signal });
    },
  };
}
