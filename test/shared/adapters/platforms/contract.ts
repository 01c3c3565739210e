import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServingChangedError } from '../../../../shared/adapters/platforms/errors.js';
import type {
  ScalingChange,
  ScalingState,
  ServicePlatform,
} from '../../../../shared/adapters/platforms/service-platform.js';
import { DependencyError } from '../../../../shared/core/errors/ops-error.js';
import type { FakeReply, RecordingServer } from '../../../fakes/recording-server.js';
import { freePort } from '../../../support/local-process.js';
import { startHangingServer } from '../../../support/tls-servers.js';

/** One platform adapter under test, bound to a service that has served two revisions. */
export interface PlatformSubject {
  platform: ServicePlatform;
  /** The revision serving now, and one before it that can serve again. */
  serving: string;
  previous: string;
  /** A scaling change this platform takes, what reading the scaling shows after it, and where to make it. */
  scale: { change: ScalingChange; expect: Partial<ScalingState>; platform?: ServicePlatform };
  /** The same service through an endpoint nothing listens on, and what its error says. */
  unreachable(): { platform: ServicePlatform; message: RegExp };
  /** The same service through an endpoint that takes connections and never answers, and what its error says. */
  hanging(): Promise<{ platform: ServicePlatform; message?: RegExp; close(): Promise<void> }>;
  /**
   * Makes the next `times` reads of the service fail with a 5xx and counts the reads from now on:
   * for platforms whose API answers errors a client should retry.
   */
  failReads?(times: number): () => number;
  /** How many times a read is tried when `failReads` is given. */
  attempts?: number;
  close?(): Promise<void>;
}

/**
 * The behaviour every {@link ServicePlatform} adapter must show. `make` runs before each test; an
 * adapter whose set-up is costly (a real Docker daemon) may hand back the same subject every time,
 * so the tests that change the service come last: routing back, then scaling.
 */
export function runPlatformContract(
  name: string,
  make: () => Promise<PlatformSubject>,
  options: { retriesReads?: boolean } = {},
): void {
  describe(`${name} (ServicePlatform contract)`, () => {
    let s: PlatformSubject;
    beforeEach(async () => {
      s = await make();
    });
    afterEach(() => s.close?.());

    const serving = async () => (await s.platform.status()).serving;

    it('reads the revision serving now and lists the revisions newest first', async () => {
      const status = await s.platform.status();
      expect(status).toMatchObject({ platform: s.platform.kind, target: s.platform.target, serving: s.serving });
      const names = status.revisions.map((r) => r.name);
      expect(names[0]).toBe(s.serving);
      expect(names.indexOf(s.previous)).toBeGreaterThan(0);
      expect(status.revisions[0]?.percent).toBe(100);
    });

    it('changes nothing when another revision serves than the one expected', async () => {
      await expect(s.platform.routeAll(s.serving, { expectServing: s.previous })).rejects.toBeInstanceOf(
        ServingChangedError,
      );
      expect(await serving()).toBe(s.serving);
    });

    it('fails with a DependencyError naming the cause and changes nothing when the platform is unreachable', async () => {
      const { platform, message } = s.unreachable();
      await expect(platform.status()).rejects.toThrow(message);
      await expect(platform.routeAll(s.previous)).rejects.toBeInstanceOf(DependencyError);
      expect(await serving()).toBe(s.serving);
    });

    it('gives up on a platform that never answers within its timeout and changes nothing', async () => {
      const hung = await s.hanging();
      try {
        const started = Date.now();
        await expect(hung.platform.status()).rejects.toBeInstanceOf(DependencyError);
        await expect(hung.platform.routeAll(s.previous)).rejects.toBeInstanceOf(DependencyError);
        if (hung.message) await expect(hung.platform.status()).rejects.toThrow(hung.message);
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        await hung.close();
      }
      expect(await serving()).toBe(s.serving);
    });

    if (options.retriesReads) {
      it('retries a read that fails with a 5xx a bounded number of times, then fails', async () => {
        const attempts = s.attempts ?? 1;
        const recovered = s.failReads?.(attempts - 1);
        await expect(s.platform.status()).resolves.toMatchObject({ serving: s.serving });
        expect(recovered?.()).toBe(attempts);
        const exhausted = s.failReads?.(attempts);
        await expect(s.platform.status()).rejects.toBeInstanceOf(DependencyError);
        expect(exhausted?.()).toBe(attempts);
      });
    }

    it('routes everything to an earlier revision and waits until it serves', async () => {
      const after = await s.platform.routeAll(s.previous, { expectServing: s.serving });
      expect(after).toMatchObject({ ready: true, serving: s.previous });
      expect(await serving()).toBe(s.previous);
    });

    it('reads and changes its scaling', async () => {
      const platform = s.scale.platform ?? s.platform;
      expect(await platform.scaling()).toMatchObject({ platform: platform.kind });
      expect(await platform.scale(s.scale.change)).toMatchObject(s.scale.expect);
      expect(await platform.scaling()).toMatchObject(s.scale.expect);
    });
  });
}

/**
 * The faults of an adapter that reaches its platform over HTTP, here a fake on `server`: the adapter
 * `bind` makes for a port nothing listens on and for one that never answers, and reads of `reads`
 * failing with `failure`. The adapters under test retry twice, so a read is tried three times.
 */
export async function httpFaults(
  bind: (url: string) => ServicePlatform,
  server: RecordingServer,
  reads: RegExp,
  failure: FakeReply,
): Promise<Pick<PlatformSubject, 'unreachable' | 'hanging' | 'failReads' | 'attempts'>> {
  const closed = `http://127.0.0.1:${await freePort()}`;
  return {
    unreachable: () => ({ platform: bind(closed), message: /ECONNREFUSED/ }),
    async hanging() {
      const hung = await startHangingServer();
      return { platform: bind(`http://127.0.0.1:${hung.port}`), close: hung.close };
    },
    failReads(times) {
      server.failNext('GET', reads, failure, times);
      const before = server.find('GET', reads).length;
      return () => server.find('GET', reads).length - before;
    },
    attempts: 3,
  };
}
