import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certExpiry } from '../../../functions/cert-expiry/handler.js';
import type { CertItem } from '../../../functions/cert-expiry/types.js';
import { EstateSchema } from '../../../functions/estate.js';
import type { Trigger } from '../../../shared/core/events/trigger.js';
import type { DeliveryResult, Notification, Notifier } from '../../../shared/core/notify/notification.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { runForTest } from '../../../shared/testing/index.js';
import { createTlsFixtures, type TlsFixtures } from '../../support/tls-fixtures.js';
import { REFUSED_PORT, type RunningServer, serveOptions, startTlsServer } from '../../support/tls-servers.js';

// Certificates carry whole seconds; half a second past keeps day counts away from a boundary.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000 + 500);
let fx: TlsFixtures;
const servers: RunningServer[] = [];
let estate: ReturnType<typeof EstateSchema.parse>;

class RecordingNotifier implements Notifier {
  sent: Notification[] = [];
  ok = true;
  async notify(message: Notification): Promise<DeliveryResult[]> {
    this.sent.push(message);
    return [{ channel: 'test', ok: this.ok, attempts: 1, ...(this.ok ? {} : { error: 'HTTP 500' }) }];
  }
}

let ids = 0;
const manual = (payload: Record<string, unknown> = {}): Trigger => ({ kind: 'manual', id: `m-${++ids}`, payload });

beforeAll(async () => {
  fx = createTlsFixtures(NOW);
  const start = async (leaf: keyof TlsFixtures['leaves']) => {
    const server = await startTlsServer(serveOptions(fx.leaves[leaf], [fx.inter]));
    servers.push(server);
    return server.port;
  };
  estate = EstateSchema.parse({
    certificates: {
      caFile: fx.caFile,
      timeout: '1s',
      endpoints: [
        { host: 'ok.test.local', address: '127.0.0.1', port: await start('ok') },
        { host: 'warn.test.local', address: '127.0.0.1', port: await start('warn') },
        { host: 'expired.test.local', address: '127.0.0.1', port: await start('expired') },
        { host: 'down.test.local', address: '127.0.0.1', port: REFUSED_PORT },
      ],
    },
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  fx?.pki.cleanup();
});

describe('certExpiry progress', () => {
  it('reports how many endpoints are probed as it goes', async () => {
    const progress: string[] = [];
    await runForTest(certExpiry, manual(), {
      estate,
      state: new MemoryStateStore(),
      now: () => NOW,
      onProgress: (text: string) => progress.push(text),
    });
    expect(progress[0]).toBe('probing 4 endpoints');
    expect(progress.slice(1)).toEqual([
      'endpoints probed 1/4',
      'endpoints probed 2/4',
      'endpoints probed 3/4',
      'endpoints probed 4/4',
    ]);
  });

  it('returns one item per address with the worst outcome and one message per severity', async () => {
    const notifier = new RecordingNotifier();
    const { envelope } = await runForTest(certExpiry, manual(), {
      estate,
      notifier,
      now: () => NOW,
    });
    const items = envelope.items as CertItem[];
    expect(envelope.outcome).toBe('fail');
    expect(items.map((i) => [i.host, i.status])).toEqual([
      ['ok.test.local', 'ok'],
      ['warn.test.local', 'warn'],
      ['expired.test.local', 'critical'],
      ['down.test.local', 'error'],
    ]);
    expect(envelope.summary).toMatch(/^4 addresses of 4 endpoints: 1 ok, 1 warn, 1 critical, 1 error/);
    // A refused connection is the checker's own trouble, told apart from the certificates' incidents.
    expect(notifier.sent.map((n) => [n.severity, n.dedupKey])).toEqual([
      ['critical', 'certExpiry:critical'],
      ['warning', 'certExpiry:warning'],
      ['warning', 'certExpiry:probe'],
    ]);
    expect(notifier.sent[0]!.text).toMatch(/expired\.test\.local:\d+ \(127\.0\.0\.1\): expired/);
    expect(notifier.sent[0]!.text).not.toMatch(/down\.test\.local/);
    expect(notifier.sent[1]!.text).toMatch(/warn\.test\.local:\d+ \(127\.0\.0\.1\): expiring: 19 days left/);
    expect(notifier.sent[2]).toMatchObject({ title: 'certExpiry: could not probe 1 endpoint' });
    expect(notifier.sent[2]!.text).toMatch(/down\.test\.local:\d+ \(127\.0\.0\.1\): refused: ECONNREFUSED/);
    expect(envelope.notifications).toHaveLength(3);
    // Four endpoints are not worth starting a worker thread for.
    expect(envelope.threads).toBe(0);
  });

  it('tells each endpoint and problem once a day', async () => {
    const notifier = new RecordingNotifier();
    const state = new MemoryStateStore();
    await runForTest(certExpiry, manual(), { estate, state, notifier, now: () => NOW });
    const { envelope: again } = await runForTest(certExpiry, manual(), { estate, state, notifier, now: () => NOW });
    expect(notifier.sent).toHaveLength(3);
    expect(again.notified).toEqual({ sent: 0, suppressed: 3 });
    const tomorrow = new Date(NOW.getTime() + 86_400_000);
    await runForTest(certExpiry, manual(), { estate, state, notifier, now: () => tomorrow });
    expect(notifier.sent).toHaveLength(6);
  });

  it('tells again on the next run when every channel failed', async () => {
    const notifier = new RecordingNotifier();
    const state = new MemoryStateStore();
    notifier.ok = false;
    await runForTest(certExpiry, manual(), { estate, state, notifier, now: () => NOW });
    notifier.ok = true;
    await runForTest(certExpiry, manual(), { estate, state, notifier, now: () => NOW });
    expect(notifier.sent).toHaveLength(6);
  });

  it('resolves the incident of a severity once a run over every endpoint finds none of it', async () => {
    const notifier = new RecordingNotifier();
    const state = new MemoryStateStore();
    await runForTest(certExpiry, manual(), { estate, state, notifier, now: () => NOW });
    expect(notifier.sent.map((m) => m.dedupKey)).toEqual([
      'certExpiry:critical',
      'certExpiry:warning',
      'certExpiry:probe',
    ]);
    // Renewed and repaired: only the healthy endpoint is left to check, and nothing is found.
    const ok = estate.certificates?.endpoints[0];
    const healthy = EstateSchema.parse({
      certificates: {
        caFile: fx.caFile,
        timeout: '1s',
        endpoints: [{ host: 'ok.test.local', address: '127.0.0.1', port: ok?.port }],
      },
    });
    // A request naming endpoints cannot tell the others are clean: nothing is resolved.
    await runForTest(certExpiry, manual({ endpoints: ['ok.test.local'] }), { estate, state, notifier, now: () => NOW });
    expect(notifier.sent.filter((m) => m.resolve)).toEqual([]);
    const { envelope } = await runForTest(certExpiry, manual(), { estate: healthy, state, notifier, now: () => NOW });
    const resolves = notifier.sent.filter((m) => m.resolve);
    expect(resolves.map((m) => m.dedupKey)).toEqual(['certExpiry:critical', 'certExpiry:warning', 'certExpiry:probe']);
    expect(envelope.notified).toMatchObject({ resolved: 3 });
    await runForTest(certExpiry, manual(), { estate: healthy, state, notifier, now: () => NOW });
    expect(notifier.sent.filter((m) => m.resolve)).toHaveLength(3);
    // The same day it comes back: resolved incidents start over, so the return is told, not taken for a repeat.
    await runForTest(certExpiry, manual(), { estate, state, notifier, now: () => NOW });
    expect(notifier.sent.filter((m) => !m.resolve).map((m) => m.dedupKey)).toEqual([
      'certExpiry:critical',
      'certExpiry:warning',
      'certExpiry:probe',
      'certExpiry:critical',
      'certExpiry:warning',
      'certExpiry:probe',
    ]);
  });

  it('still notifies without a state store and says repeats are not suppressed', async () => {
    const notifier = new RecordingNotifier();
    const { envelope } = await runForTest(certExpiry, manual(), {
      estate,
      stateAvailable: false,
      notifier,
      now: () => NOW,
    });
    expect(envelope.state).toBe('unavailable');
    expect(notifier.sent).toHaveLength(3);
    expect(notifier.sent[0]!.text).toMatch(/State store unavailable/);
  });

  it('checks only the endpoints a request names, each once however often it is named', async () => {
    const notifier = new RecordingNotifier();
    const { envelope } = await runForTest(certExpiry, manual({ endpoints: ['ok.test.local', 'ok.test.local'] }), {
      estate,
      notifier,
      now: () => NOW,
    });
    expect(envelope.outcome).toBe('ok');
    expect((envelope.items as CertItem[]).map((i) => i.host)).toEqual(['ok.test.local']);
    expect(notifier.sent).toEqual([]);
  });

  it.each([
    [{ endpoints: ['typo.test.local'] }, /not in certificates\.endpoints: typo\.test\.local/],
    [{ endpoints: 'ok.test.local' }, /endpoints/],
    [{ extra: true }, /extra/],
    [{ endpoints: new Array(1001).fill('ok.test.local') }, /endpoints: expected at most 1000 endpoints/],
    [{ endpoints: [`${'a'.repeat(300)}.test`] }, /expected an endpoint of at most 300 characters/],
  ])('rejects the payload %j without probing', async (payload, message) => {
    const notifier = new RecordingNotifier();
    const { envelope } = await runForTest(certExpiry, manual(payload), {
      estate,
      notifier,
    });
    expect(envelope.outcome).toBe('rejected');
    expect(envelope.summary).toMatch(message);
    expect(envelope.items).toEqual([]);
    expect(notifier.sent).toEqual([]);
  });

  it('rejects a CA file that cannot be read, naming it', async () => {
    const broken = EstateSchema.parse({ certificates: { caFile: '/nonexistent/ca.pem', endpoints: ['localhost:1'] } });
    const { envelope } = await runForTest(certExpiry, manual(), { estate: broken });
    expect(envelope.outcome).toBe('rejected');
    expect(envelope.summary).toMatch(/certificates\.caFile: cannot read "\/nonexistent\/ca\.pem" \(ENOENT\)/);
  });
});
