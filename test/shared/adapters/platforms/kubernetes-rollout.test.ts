import { describe, expect, it } from 'vitest';
import { rolloutState, selectorString, undoPatch } from '../../../../shared/adapters/platforms/kubernetes-rollout.js';

describe('undoPatch', () => {
  it('keeps the Deployment-owned annotations and copies the rest from the ReplicaSet', () => {
    const deployment = {
      metadata: {
        annotations: {
          'deployment.kubernetes.io/revision': '5',
          'kubectl.kubernetes.io/last-applied-configuration': '{}',
          'team/owner': 'old',
        },
      },
    };
    const rs = {
      metadata: {
        annotations: { 'deployment.kubernetes.io/revision': '3', 'team/owner': 'sre', 'app/version': '1.2' },
      },
      spec: {
        template: { metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } }, spec: { containers: [] } },
      },
    };
    const [template, annotations] = undoPatch(deployment, rs);
    expect(template?.value).toEqual({ metadata: { labels: { app: 'web' } }, spec: { containers: [] } });
    expect(annotations?.value).toEqual({
      'deployment.kubernetes.io/revision': '5',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
      'team/owner': 'sre',
      'app/version': '1.2',
    });
  });
});

describe('rolloutState', () => {
  it.each([
    [{ observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }, true],
    [{ observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }, false],
    [{ observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 }, false],
    [{ observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 }, false],
  ])('judges status %o done=%s', (status, done) => {
    expect(rolloutState({ metadata: { generation: 2 }, spec: { replicas: 3 }, status }).done).toBe(done);
  });

  it('ignores a stale ProgressDeadlineExceeded until the controller observes the new generation', () => {
    const stale = { type: 'Progressing', reason: 'ProgressDeadlineExceeded', message: 'old rollout stuck' };
    const d = (observedGeneration: number) => ({
      metadata: { generation: 3 },
      spec: { replicas: 2 },
      status: { observedGeneration, replicas: 2, updatedReplicas: 2, availableReplicas: 2, conditions: [stale] },
    });
    expect(rolloutState(d(2))).toEqual({ done: false });
    expect(rolloutState(d(3))).toEqual({ done: false, failed: 'old rollout stuck' });
  });

  it('reports a rollout past its progress deadline as failed', () => {
    const d = {
      status: { conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded', message: 'stuck' }] },
    };
    expect(rolloutState(d)).toEqual({ done: false, failed: 'stuck' });
  });
});

describe('selectorString', () => {
  it('renders matchLabels and matchExpressions', () => {
    expect(
      selectorString({
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }],
      }),
    ).toBe('app=web,tier in (a,b)');
  });
});
