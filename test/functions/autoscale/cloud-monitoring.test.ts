import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoscaleKeys } from '../../../functions/autoscale/state-keys.js';
import { serveRuntime } from '../../support/serve.js';
import { autoscaleHarness, MINUTE, RUN_PATCH, sweep } from './harness.js';

const TOKEN = 'autoscale-cm-token';

/** A Cloud Monitoring incident (schema 1.2) from a latency policy labelled for autoscale. */
function incident(state: 'open' | 'closed', id = '0.latency1'): Record<string, unknown> {
  return {
    version: '1.2',
    incident: {
      incident_id: id,
      scoping_project_id: 'p1',
      started_at: 1_772_359_200,
      ended_at: state === 'closed' ? 1_772_359_800 : null,
      state,
      summary: 'p95 latency of web above 2 s',
      url: 'https://console.cloud.google.com/monitoring/alerting/incidents/0.latency1',
      resource: {
        type: 'cloud_run_revision',
        labels: { project_id: 'p1', service_name: 'web', location: 'us-central1', revision_name: 'web-00001-aaa' },
      },
      metric: { type: 'run.googleapis.com/request_latencies', labels: {} },
      policy_name: 'web p95 latency',
      policy_user_labels: { 'opsfn-function': 'autoscale' },
      condition_name: 'p95 > 2s',
      condition: { name: 'projects/p1/alertPolicies/77/conditions/1', displayName: 'p95 > 2s' },
    },
  };
}

describe('autoscale on Cloud Monitoring incidents over HTTP', () => {
  let h: Awaited<ReturnType<typeof autoscaleHarness>>;
  let served: Awaited<ReturnType<typeof serveRuntime>>;

  beforeAll(async () => {
    h = await autoscaleHarness({
      overrides: {
        auth: { tokens: [{ env: 'AUTOSCALE_CM_TOKEN' }] },
        autoscale: { policies: [{ match: { labels: { 'opsfn-function': 'autoscale' } }, up: { max: 4 } }] },
      },
    });
    served = await serveRuntime({
      config: h.config,
      functions: [h.definition],
      state: h.state,
      notifier: h.notifier,
      env: { AUTOSCALE_CM_TOKEN: TOKEN },
      now: h.clock.now,
      logSink: () => {},
    });
  });
  afterAll(async () => {
    await served?.stop();
    await h?.stop();
  });

  const post = async (body: unknown) => {
    const response = await fetch(`${served.url}/autoscale`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('finds the service from the incident labels, steps up on open and down after close and the wait', async () => {
    const opened = await post(incident('open'));
    expect(opened.status).toBe(200);
    expect(JSON.stringify(opened.body)).toContain('web: up 2 → 3');
    expect(h.run.server.find('PATCH', RUN_PATCH)).toHaveLength(1);

    const closed = await post(incident('closed'));
    expect(closed.status).toBe(200);
    expect(await h.state.keys(AutoscaleKeys.firingPrefix('web'))).toEqual([]);
    h.advance(31 * MINUTE);
    expect((await h.invoke(sweep())).summary).toBe('web: down 3 → 2');
    expect(h.webScaling()?.minInstanceCount).toBe(2);
  });

  it('stays scaled up through an incident longer than down.staleAfter while its reminders come', async () => {
    h.advance(60 * MINUTE);
    expect(JSON.stringify((await post(incident('open', '0.latency2'))).body)).toContain('web: up 2 → 3');
    // The policy's hourly reminders of the open incident (terraform: renotify_interval) are repeats of its firing.
    for (let hour = 1; hour <= 7; hour++) {
      h.advance(60 * MINUTE);
      expect((await post(incident('open', '0.latency2'))).status).toBe(200);
    }
    expect((await h.invoke(sweep())).summary).toBe('web: hold — 1 alert still firing');
    expect(h.webScaling()?.minInstanceCount).toBe(3);
    await post(incident('closed', '0.latency2'));
  });

  it('refuses an unauthenticated alert without touching the service', async () => {
    const before = h.run.server.requests.length;
    const response = await fetch(`${served.url}/autoscale`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(incident('open')),
    });
    expect(response.status).toBe(401);
    expect(h.run.server.requests).toHaveLength(before);
  });
});
