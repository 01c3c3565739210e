import { describe, expect, it } from 'vitest';
import { RollbackPolicySchema } from '../../../../functions/rollback/config.js';
import type { Service } from '../../../../shared/core/config/sections/estate-common.js';
import type { Alert } from '../../../../shared/core/events/trigger.js';
import { findPolicy, resolveService } from '../../../../shared/core/policy/match.js';

const policy = (input: object) => RollbackPolicySchema.parse({ errorRate: { threshold: 0.01 }, ...input });
const alert = (labels: Record<string, string>, name = 'HighErrorRate'): Alert => ({
  source: 'alertmanager',
  name,
  state: 'firing',
  labels: { alertname: name, ...labels },
  annotations: {},
  startedAt: '2026-01-01T00:00:00Z',
  fingerprint: 'f1',
});
const services: Record<string, Service> = {
  web: { platform: 'cloud-run', project: 'p1', region: 'us-central1', name: 'web' },
  backend: { platform: 'kubernetes', namespace: 'prod', deployment: 'backend' },
  backendStaging: { platform: 'kubernetes', namespace: 'staging', deployment: 'backend' },
};

describe('findPolicy', () => {
  it('returns the first policy whose alert name and labels all match', () => {
    const policies = [
      policy({ match: { alert: 'HighErrorRate', labels: { env: 'staging' } } }),
      policy({ match: { alert: 'HighErrorRate' }, name: 'prod' }),
    ];
    expect(findPolicy(policies, alert({ env: 'prod' }))?.name).toBe('prod');
    expect(findPolicy(policies, alert({}, 'SlowResponse'))).toBeUndefined();
  });
});

describe('resolveService', () => {
  it('finds a Cloud Run service from service_name and project labels', () => {
    const found = resolveService(services, policy({ match: { alert: 'x' } }), {
      service_name: 'web',
      project_id: 'p1',
    });
    expect(found).toEqual({ key: 'web', service: services.web });
  });

  it('finds a Kubernetes deployment by namespace and deployment labels', () => {
    const found = resolveService(services, policy({ match: { alert: 'x' } }), {
      deployment: 'backend',
      namespace: 'prod',
    });
    expect('key' in found && found.key).toBe('backend');
  });

  it('refuses an ambiguous deployment label without a namespace', () => {
    const found = resolveService(services, policy({ match: { alert: 'x' } }), { deployment: 'backend' });
    expect(found).toEqual({ error: expect.stringMatching(/2 estate services match/) });
  });

  it('names an unknown service from the policy', () => {
    const found = resolveService(services, policy({ match: { alert: 'x' }, service: 'nope' }), {});
    expect(found).toEqual({ error: 'policy names unknown service "nope"' });
  });
});
