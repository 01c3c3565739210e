import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Estate } from '../../../functions/estate.js';
import { RollbackKeys } from '../../../functions/rollback/state-keys.js';
import { createServicePlatform } from '../../../shared/adapters/platforms/create-platform.js';
import type { AlertTrigger } from '../../../shared/core/events/trigger.js';
import { GuardKeys } from '../../../shared/core/guard/keys.js';
import type { Notification } from '../../../shared/core/notify/notification.js';
import type { ResultEnvelope } from '../../../shared/core/run/types.js';
import type { StateStore } from '../../../shared/core/state/state-store.js';
import type { AuditLine } from '../../../shared/testing/index.js';

/** The rollback function over one platform, with a deploy whose new revision fails and whose previous one is fine. */
export interface RollbackSubject {
  estate: Estate;
  state: StateStore;
  /** The estate service the alert is about. */
  service: string;
  /** The revision serving since the deploy, failing, and the one that served before it. */
  bad: string;
  good: string;
  /** A firing alert about the service that a rollback policy matches; the same id is the same delivery. */
  alert(id: string): AlertTrigger;
  invoke(trigger: AlertTrigger, options?: { dryRun?: boolean }): Promise<ResultEnvelope>;
  /** Every notification sent so far, and every audit record written. */
  sent: Notification[];
  audits(): AuditLine[];
  /** Whether a rollback pins traffic to the good revision (kept until `opsfn release-pin`) or rolls the deploy back. */
  pins: boolean;
  /** What a dry-run reports beside the traffic change: the command, on a platform changed through a CLI. */
  change?: { command: string };
  /** Asserts, as this platform sees it, that nothing was written. */
  unchanged(): Promise<void>;
  /** Asserts what this platform shows after the rollback, given the run's envelope and notifications. */
  rolledBack?(envelope: ResultEnvelope, sent: Notification[]): Promise<void>;
  close?(): Promise<unknown>;
}

/** The revision the platform serves now, read through its adapter. */
async function serving(s: RollbackSubject): Promise<string | undefined> {
  const service = s.estate.services[s.service];
  if (!service) throw new Error(`no estate service ${s.service}`);
  const platform = await createServicePlatform(service, {
    endpoints: s.estate.endpoints,
    secret: async () => '',
    state: s.state,
  });
  return (await platform.status()).serving;
}

/**
 * The behaviour of the rollback function on every platform. `make` runs before each test; a
 * platform whose set-up is costly (a real Docker daemon) may hand back the same deploy every time,
 * so the one test that rolls back comes last.
 */
export function runRollbackSuite(name: string, make: () => Promise<RollbackSubject>): void {
  describe(`rollback on ${name}`, () => {
    let s: RollbackSubject;
    beforeEach(async () => {
      s = await make();
    });
    afterEach(() => s.close?.());

    it('shows the change in dry-run, logs the decision and changes nothing', async () => {
      const envelope = await s.invoke(s.alert('dry'), { dryRun: true });
      // A platform changed through a CLI names the command it would run.
      const command = s.change?.command ? ` by running ${s.change.command}` : '';
      expect(envelope.summary).toBe(`dry-run: would roll ${s.service} back ${s.bad} → ${s.good}${command}`);
      expect(envelope.actions).toEqual([
        expect.objectContaining({
          action: 'rollback',
          status: 'dry-run',
          change: { traffic: { from: s.bad, to: s.good }, ...s.change },
        }),
      ]);
      expect(s.audits().some((a) => a.decision === 'dry-run')).toBe(true);
      expect(await serving(s)).toBe(s.bad);
      expect(await s.state.get(RollbackKeys.bad(s.service))).toBeUndefined();
      await s.unchanged();
    }, 30_000);

    it('refuses the rollback while opsfn is paused, pages, and changes nothing', async () => {
      await s.state.put(GuardKeys.paused, { reason: 'maintenance', at: new Date().toISOString() });
      try {
        const envelope = await s.invoke(s.alert('paused'));
        expect(envelope.outcome).toBe('skipped');
        expect(envelope.actions).toMatchObject([{ action: 'rollback', status: 'refused', by: 'kill-switch' }]);
        expect(s.sent.at(-1)).toMatchObject({ severity: 'critical', title: expect.stringMatching(/blocked/) });
        expect(await serving(s)).toBe(s.bad);
        expect(await s.state.get(RollbackKeys.pin(s.service))).toBeUndefined();
        await s.unchanged();
      } finally {
        await s.state.delete(GuardKeys.paused);
      }
    }, 30_000);

    it('rolls back a confirmed error rate to the previous revision and verifies recovery', async () => {
      const before = s.sent.length;
      const envelope = await s.invoke(s.alert('incident'));
      const sent = s.sent.slice(before);
      expect(envelope.outcome).toBe('ok');
      expect(envelope.summary).toBe(`rolled ${s.service} back ${s.bad} → ${s.good}; recovered`);
      expect(await serving(s)).toBe(s.good);
      expect(await s.state.get(RollbackKeys.bad(s.service))).toEqual([s.bad]);
      const releasePin = `opsfn release-pin ${s.service}`;
      expect(sent.length).toBeGreaterThan(0);
      if (s.pins) {
        expect(await s.state.get(RollbackKeys.pin(s.service))).toMatchObject({ revision: s.good, from: s.bad });
        for (const m of sent) expect(m.text).toContain(releasePin);
      } else {
        expect(await s.state.get(RollbackKeys.pin(s.service))).toBeUndefined();
        expect(sent.every((m) => !m.text.includes(releasePin))).toBe(true);
      }
      expect(s.audits().map((a) => a.decision)).toEqual(
        expect.arrayContaining(['received', 'decided', 'intent', 'done', 'notified', 'finished']),
      );
      await s.rolledBack?.(envelope, sent);
    }, 60_000);
  });
}
