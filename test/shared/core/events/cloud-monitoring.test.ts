import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../../../shared/core/errors/index.js';
import { parseCloudMonitoring } from '../../../../shared/core/events/index.js';
import { fixtureJson } from './load-fixture.js';

const open = fixtureJson('cloud-monitoring/open') as { version: string; incident: Record<string, unknown> };
const withIncident = (change: Record<string, unknown>) => ({ ...open, incident: { ...open.incident, ...change } });

describe('parseCloudMonitoring', () => {
  it('treats an acknowledged incident as firing under the open identity', () => {
    const trigger = parseCloudMonitoring(withIncident({ state: 'acknowledged' }));
    expect(trigger.id).toBe('cm:0.opqiw61fsv7p:open');
    expect(trigger.alert.state).toBe('firing');
  });

  it('names the alert by the alertname policy label and lets policy labels win', () => {
    const { alert } = parseCloudMonitoring(
      withIncident({
        policy_user_labels: { alertname: 'web-errors', service_name: 'web-canary' },
        metric: { type: 'm', labels: { location: 'metric-loc' } },
      }),
    );
    expect(alert.name).toBe('web-errors');
    expect(alert.labels).toMatchObject({ alertname: 'web-errors', service_name: 'web-canary', location: 'metric-loc' });
  });

  it('leaves observed and threshold out when the values are empty or not numeric', () => {
    const { alert } = parseCloudMonitoring(withIncident({ observed_value: '', threshold_value: 'n/a' }));
    expect(alert).not.toHaveProperty('observed');
    expect(alert).not.toHaveProperty('threshold');
  });

  it('accepts numeric observed values and missing optional sections', () => {
    const { alert } = parseCloudMonitoring({
      version: '1.2',
      incident: { incident_id: 'i-1', state: 'open', started_at: 1767225600.5, policy_name: 'p', observed_value: 3 },
    });
    expect(alert).toMatchObject({
      name: 'p',
      labels: { alertname: 'p' },
      observed: 3,
      startedAt: '2026-01-01T00:00:00.500Z',
    });
    expect(alert).not.toHaveProperty('policy');
    expect(alert).not.toHaveProperty('endedAt');
  });

  it('accepts null for optional sections and falls back to the policy name for an empty alertname', () => {
    const nulls = { url: null, summary: null, resource: null, metric: null, documentation: null, condition: null };
    const { alert } = parseCloudMonitoring(withIncident({ ...nulls, policy_user_labels: { alertname: '' } }));
    expect(alert.name).toBe('web 5xx rate');
    expect(alert.labels).toEqual({ alertname: 'web 5xx rate' });
    expect(alert).not.toHaveProperty('url');
    expect(alert.annotations).not.toHaveProperty('summary');
  });

  it('ignores a condition name that does not follow the policy resource pattern', () => {
    expect(parseCloudMonitoring(withIncident({ condition: { name: 'weird' } })).alert).not.toHaveProperty('policy');
  });

  it.each([
    [
      'an epoch beyond year 9999',
      { started_at: 1e15 },
      'incident.started_at: expected epoch seconds before year 10000',
    ],
    ['a negative epoch', { ended_at: -1 }, 'incident.ended_at: expected epoch seconds'],
    ['a missing policy name', { policy_name: undefined }, 'incident.policy_name: expected string (missing)'],
    [
      'non-string resource labels',
      { resource: { labels: { zone: 1 } } },
      'incident.resource.labels.zone: expected string',
    ],
  ])('rejects %s', (_, change, message) => {
    expect(() => parseCloudMonitoring(withIncident(change))).toThrow(BadInputError);
    expect(() => parseCloudMonitoring(withIncident(change))).toThrow(message);
  });
});
