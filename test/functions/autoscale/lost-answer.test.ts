import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAutoscaleDeps } from '../../../functions/autoscale/deps.js';
import { createAutoscale } from '../../../functions/autoscale/handler.js';
import { AutoscaleKeys } from '../../../functions/autoscale/state-keys.js';
import { EstateSchema } from '../../../functions/estate.js';
import { DependencyError } from '../../../shared/core/errors/index.js';
import { alertTrigger, createTestRunner, scheduledTrigger, testClock } from '../../../shared/testing/index.js';
import { FakeKubernetes } from '../../fakes/kubernetes.js';

// A scale write that lands on the platform while its answer is lost (a reset connection, a client timeout, a
// read-back that errs) happened: it must count as done, cooled down, so neither a redelivery of the alert nor
// the next alert of the storm steps a second time.
describe('autoscale when the platform changed but its answer was lost', () => {
  const k8s = new FakeKubernetes();
  beforeAll(() => k8s.server.start());
  afterAll(() => k8s.server.stop());

  function subject(losses: number, options: { readsFailAfter?: boolean } = {}) {
    k8s.addDeployment('shop', 'backend', ['app:1'], [new Date('2026-02-01T00:00:00Z')], 3);
    const config = EstateSchema.parse({
      services: {
        backend: { platform: 'kubernetes', namespace: 'shop', deployment: 'backend', server: k8s.server.url },
      },
      autoscale: {
        policies: [
          { name: 'backend-slow', match: { alert: 'BackendSlow' }, service: 'backend', up: { step: '+2', max: 10 } },
        ],
      },
    });
    const real = defaultAutoscaleDeps({
      timing: { timeoutMs: 2_000, retries: 1, retryDelayMs: 5, pollMs: 5, waitTimeoutMs: 2_000 },
    });
    let lose = losses;
    // With `readsFailAfter`, the API server stops answering reads right after a lost write (overloaded mid-incident).
    const outage = { on: false };
    const definition = createAutoscale({
      async platform(ref, ctx) {
        const platform = await real.platform(ref, ctx);
        return {
          ...platform,
          kind: platform.kind,
          target: platform.target,
          scaling: () => (outage.on ? Promise.reject(new DependencyError('GET scale: HTTP 503')) : platform.scaling()),
          async apply(request, applyOptions) {
            const reached = await platform.apply(request, applyOptions);
            if (lose-- > 0) {
              if (options.readsFailAfter) outage.on = true;
              throw new DependencyError('PATCH scale: socket hang up');
            }
            return reached;
          },
        };
      },
    });
    const clock = testClock('2026-03-01T10:00:00.000Z');
    const runner = createTestRunner(definition, { estate: config, now: clock.now });
    const replicas = () => k8s.deployments.get('shop/backend')?.spec.replicas;
    const patches = () => k8s.server.find('PATCH', /\/scale$/).length;
    const alert = (id: string) =>
      alertTrigger('BackendSlow', { id, fingerprint: 'abc', startedAt: '2026-03-01T09:59:00.000Z' });
    return { runner, clock, replicas, patches, alert, outage };
  }

  it('counts the change as done, records it and cools down: a redelivery and the storm’s next alert hold', async () => {
    const s = subject(1);
    const before = s.patches();
    const first = await s.runner.run(s.alert('am:abc:1:firing'));
    expect(first.envelope).toMatchObject({ outcome: 'ok', summary: 'backend: up 3 → 5' });
    expect(first.envelope.actions.map((a) => [a.action, a.status])).toEqual([['scale-up', 'done']]);
    expect((first.envelope.items?.[0] as { reasons?: string[] } | undefined)?.reasons?.at(-1)).toMatch(
      /^the platform's call failed \(PATCH scale: socket hang up\), but .* reads 5 now: the change is in place$/,
    );
    expect(first.sent.map((m) => m.severity)).toEqual(['info']);
    expect(await s.runner.state.get(AutoscaleKeys.scale('backend'))).toMatchObject({ baseline: 3, applied: 5 });
    expect(s.replicas()).toBe(5);

    s.clock.advance(30_000);
    const redelivered = await s.runner.run(s.alert('am:abc:1:firing'));
    expect(redelivered.envelope.duplicate).toBe(true);
    const next = await s.runner.run(s.alert('am:abc:2:firing'));
    expect(next.envelope.summary).toMatch(/^backend: hold — cooling down/);
    expect(s.replicas()).toBe(5);
    expect(s.patches() - before).toBe(1);
  });

  it('keeps the step pending when it landed but cannot be read back, so the service still returns to its baseline', async () => {
    const s = subject(1, { readsFailAfter: true });
    const first = await s.runner.run(s.alert('am:abc:3:firing'));
    expect(first.envelope.outcome).not.toBe('ok');
    expect(s.replicas()).toBe(5);
    expect(await s.runner.state.get(AutoscaleKeys.scale('backend'))).toMatchObject({ baseline: 3, pending: 5 });
    s.outage.on = false;
    await s.runner.run(
      alertTrigger('BackendSlow', {
        id: 'am:abc:3:resolved',
        fingerprint: 'abc',
        state: 'resolved',
        startedAt: '2026-03-01T09:59:00.000Z',
      }),
    );
    s.clock.advance(31 * 60_000);
    await s.runner.run(scheduledTrigger({}, { job: 'autoscale-sweep' }));
    expect(s.replicas()).toBe(3);
  });
});
