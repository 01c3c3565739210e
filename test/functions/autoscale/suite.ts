import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AutoscaleKeys } from '../../../functions/autoscale/state-keys.js';
import type { AlertTrigger, Trigger } from '../../../shared/core/events/trigger.js';
import type { ResultEnvelope } from '../../../shared/core/run/types.js';
import type { StateStore } from '../../../shared/core/state/state-store.js';
import { manualTrigger } from '../../../shared/testing/index.js';
import { MINUTE, sweep } from './harness.js';

/** The autoscale function over one platform, with a service a policy steps up by one step. */
export interface AutoscaleSubject {
  state: StateStore;
  /** The estate service the policy scales. */
  service: string;
  /** An alert the policy matches, firing or resolved, by fingerprint. */
  alert(fingerprint: string, state?: 'firing' | 'resolved'): AlertTrigger;
  invoke(trigger: Trigger, options?: { dryRun?: boolean }): Promise<ResultEnvelope>;
  /** Moves the run's clock (and the state's) forward. */
  advance(ms: number): void;
  /** The scaled value as the platform reports it: min instances, replicas, running containers. */
  level(): Promise<number | undefined>;
  /** The value before the step and after it. */
  from: number;
  to: number;
  /** How long after the last resolve the scale-down is due (the policy's `down.after`). */
  downAfter: number;
  /** A manual request this platform takes, its summary and the value it sets. */
  manual: { payload: Record<string, unknown>; summary: string; level: number };
  /** A manual request naming a knob this service does not have, and what its rejection says. */
  refused: { payload: Record<string, unknown>; message: RegExp };
  /** What a dry-run reports beside the values: the command, on a platform changed through a CLI. */
  change?: { command: string };
  /** Asserts, as this platform sees it, that nothing was written. */
  unchanged(): Promise<void>;
  /** Asserts what this platform shows after the step up. */
  steppedUp?(): Promise<void>;
  close?(): Promise<unknown>;
}

/**
 * The behaviour of the autoscale function on every platform. `make` runs before each test; a
 * platform whose set-up is costly (a real Docker daemon) may hand back the same service every time:
 * each test leaves it at its baseline, the last one at the value set by hand.
 */
export function runAutoscaleSuite(name: string, make: () => Promise<AutoscaleSubject>): void {
  describe(`autoscale on ${name}`, () => {
    let s: AutoscaleSubject;
    beforeEach(async () => {
      s = await make();
    });
    afterEach(() => s.close?.());

    it('reports in dry-run what it would do and changes nothing', async () => {
      const envelope = await s.invoke(s.alert('dry'), { dryRun: true });
      expect(envelope.dryRun).toBe(true);
      expect(envelope.actions).toMatchObject([
        { action: 'scale-up', status: 'dry-run', change: { before: s.from, after: s.to, ...s.change } },
      ]);
      expect(await s.level()).toBe(s.from);
      expect(await s.state.get(AutoscaleKeys.scale(s.service))).toBeUndefined();
      await s.unchanged();
      expect(await s.state.keys(AutoscaleKeys.firingPrefix(s.service))).toEqual([]);
      for (const key of await s.state.keys('')) await s.state.delete(key);
    }, 30_000);

    it('leaves the alert trail alone in a dry run: a previewed resolve does not let the sweep scale down', async () => {
      await s.invoke(s.alert('slow'));
      expect(await s.level()).toBe(s.to);
      const preview = await s.invoke(s.alert('slow', 'resolved'), { dryRun: true });
      expect(preview.dryRun).toBe(true);
      expect(await s.state.keys(AutoscaleKeys.firingPrefix(s.service))).toHaveLength(1);
      s.advance(s.downAfter + MINUTE);
      const held = await s.invoke(sweep());
      expect(held.summary).not.toMatch(/down/);
      expect(await s.level()).toBe(s.to);

      await s.invoke(s.alert('slow', 'resolved'));
      s.advance(s.downAfter + MINUTE);
      const down = await s.invoke(sweep());
      expect(down.summary).toBe(`${s.service}: down ${s.to} → ${s.from}`);
      expect(await s.level()).toBe(s.from);
      // Past the guard's hourly rate limit, which a platform sharing one runner across tests would otherwise spend.
      s.advance(60 * MINUTE);
    }, 60_000);

    it('steps up on an alert and back to the baseline once it has resolved', async () => {
      const up = await s.invoke(s.alert('slow'));
      expect(up.summary).toBe(`${s.service}: up ${s.from} → ${s.to}`);
      expect(await s.level()).toBe(s.to);
      expect(await s.state.get(AutoscaleKeys.scale(s.service))).toMatchObject({ baseline: s.from, applied: s.to });
      await s.steppedUp?.();

      await s.invoke(s.alert('slow', 'resolved'));
      s.advance(s.downAfter + MINUTE);
      const down = await s.invoke(sweep());
      expect(down.summary).toBe(`${s.service}: down ${s.to} → ${s.from}`);
      expect(await s.level()).toBe(s.from);
      expect(await s.state.get(AutoscaleKeys.scale(s.service))).toBeUndefined();
    }, 60_000);

    it('sets the scale by hand, and refuses a knob the service does not have', async () => {
      const set = await s.invoke(manualTrigger(s.manual.payload));
      expect(set.summary).toBe(s.manual.summary);
      expect(await s.level()).toBe(s.manual.level);
      const refused = await s.invoke(manualTrigger(s.refused.payload));
      expect(refused).toMatchObject({
        outcome: 'rejected',
        error: { message: expect.stringMatching(s.refused.message) },
      });
      expect(await s.level()).toBe(s.manual.level);
    }, 60_000);
  });
}
