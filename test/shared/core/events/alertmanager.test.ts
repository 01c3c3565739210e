import { describe, expect, it } from 'vitest';
import { parseAlertmanagerBatch } from '../../../../shared/core/events/alertmanager.js';
import { IntakeLimits, parseAlertmanager, parseGrafana } from '../../../../shared/core/events/index.js';
import { fixtureJson } from './load-fixture.js';

const base = {
  status: 'firing',
  labels: { alertname: 'HighErrorRate', deployment: 'web' },
  startsAt: '2026-01-01T10:00:00Z',
  endsAt: '0001-01-01T00:00:00Z',
  fingerprint: 'C6EADFFA33FCDF37',
};
const batch = (...alerts: object[]) => ({ version: '4', alerts: alerts.map((a) => ({ ...base, ...a })) });

describe('parseAlertmanager', () => {
  it('makes one trigger per alert in batch order', () => {
    const triggers = parseAlertmanager(fixtureJson('alertmanager/firing-batch'));
    expect(triggers.map((t) => t.alert.labels.deployment)).toEqual(['web', 'api', 'worker']);
    expect(new Set(triggers.map((t) => t.id)).size).toBe(3);
  });

  it('normalizes times and fingerprints so a redelivery gets the same id', () => {
    const [a] = parseAlertmanager(batch({ startsAt: '2026-01-01T12:00:00.000000001+02:00' }));
    expect(a?.id).toBe('am:c6eadffa33fcdf37:2026-01-01T10:00:00.000Z:firing');
    expect(a?.alert.startedAt).toBe('2026-01-01T10:00:00.000Z');
  });

  it('sets endedAt only for a resolved alert with a real end', () => {
    const [firing, resolvedZero, resolved] = parseAlertmanager(
      batch(
        { endsAt: '2026-01-01T10:05:00Z' },
        { status: 'resolved' },
        { status: 'resolved', endsAt: '2026-01-01T10:05:00Z' },
      ),
    );
    expect(firing?.alert).not.toHaveProperty('endedAt');
    expect(resolvedZero?.alert).not.toHaveProperty('endedAt');
    expect(resolved?.alert.endedAt).toBe('2026-01-01T10:05:00.000Z');
  });

  it('keeps annotations and leaves url and summary out when absent or empty', () => {
    const [t] = parseAlertmanager(batch({ generatorURL: '', annotations: { description: 'd' } }));
    expect(t?.alert.annotations).toEqual({ description: 'd' });
    expect(t?.alert).not.toHaveProperty('url');
    expect(t?.alert).not.toHaveProperty('summary');
  });

  it('keeps the good alerts of a batch and names each one refused on its own (Alertmanager never resends a 4xx)', () => {
    const { triggers, rejected } = parseAlertmanagerBatch(
      batch({}, { fingerprint: 'ab', labels: { alertname: 'Big', team: 'x'.repeat(5000) } }),
    );
    expect(triggers.map((t) => t.alert.name)).toEqual(['HighErrorRate']);
    expect(rejected).toEqual([expect.stringMatching(/^alertmanager: alerts\[1\]\.labels\.team: /)]);
    // A batch with no valid alert at all is refused as before.
    expect(() => parseAlertmanager(batch({ fingerprint: 'zz' }))).toThrow(/^alertmanager: alerts\[0\]\.fingerprint: /);
  });

  it('keeps an alert whose generatorURL is longer than a link is kept, without the link', () => {
    const [t] = parseAlertmanager(batch({ generatorURL: `http://prometheus/graph?g0.expr=${'x'.repeat(9000)}` }));
    expect(t?.alert.name).toBe('HighErrorRate');
    expect(t?.alert.url).toBeUndefined();
  });

  it('accepts a batch of exactly the limit', () => {
    const alerts = Array.from({ length: IntakeLimits.alertsPerBatch }, (_, i) => ({
      fingerprint: i.toString(16).padStart(4, '0'),
    }));
    expect(parseAlertmanager(batch(...alerts))).toHaveLength(IntakeLimits.alertsPerBatch);
  });
});

describe('parseGrafana', () => {
  it('keeps the numeric query values and drops null ones', () => {
    const body = fixtureJson('grafana/firing') as { alerts: Record<string, unknown>[] };
    const first = { ...body.alerts[0], values: { A: null, B: 3.1 } };
    const [t] = parseGrafana({ ...body, alerts: [first] });
    expect(t?.alert.values).toEqual({ B: 3.1 });
  });

  it('uses the grafana prefix in ids and as source', () => {
    const [t] = parseGrafana({ version: '1', alerts: [base] });
    expect(t?.id).toBe('grafana:c6eadffa33fcdf37:2026-01-01T10:00:00.000Z:firing');
    expect(t?.alert.source).toBe('grafana');
  });

  it('keeps an alert whose links opsfn does not read run long (silenceURL is built from every label)', () => {
    const [t] = parseGrafana({
      version: '1',
      alerts: [{ ...base, silenceURL: `http://grafana/silence?${'x'.repeat(9000)}` }],
    });
    expect(t?.alert.source).toBe('grafana');
  });

  it('rejects a values map with non-numeric entries', () => {
    expect(() => parseGrafana({ version: '1', alerts: [{ ...base, values: { B: 'high' } }] })).toThrow(
      'grafana: alerts[0].values.B: expected number',
    );
  });
});
