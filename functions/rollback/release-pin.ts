import { isPinnable, LatestChangedError, previewChange } from '../../shared/adapters/platforms/index.js';
import { entryOf } from '../../shared/core/config/index.js';
import { BadInputError, errorMessage, NotFoundError } from '../../shared/core/errors/index.js';
import { policyFor } from '../../shared/core/policy/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import { decisionPolicy } from './act-and-verify.js';
import { judge } from './decide.js';
import { defaultRollbackDeps, type RollbackDeps } from './deps.js';
import { describeReading, readErrorRate } from './evidence.js';
import { type PinRecord, RollbackKeys } from './state-keys.js';

/**
 * What the guarded release did: released onto a revision (despite a failed call, which `platformError` tells, when
 * the service read back follows the latest), or not.
 */
type Release = { released: true; onto: string; platformError?: string } | { released: false; reason: string };

/**
 * `opsfn release-pin <service>`: after a rollback pinned a Cloud Run service's traffic to an old revision (or a
 * compose service to an old image), sends 100 % to the latest ready revision again (compose: the image its files
 * name), once it is Ready, not marked bad and not failing; through `ctx.act`. The release goes only onto the revision
 * judged: one deployed since is refused before the write, and one that became the latest during it fails the run.
 */
export async function releasePin(
  ctx: Context,
  serviceName: string,
  deps: RollbackDeps = defaultRollbackDeps(),
): Promise<RunResult> {
  const service = entryOf(ctx.config.services, serviceName);
  if (!service) throw new NotFoundError(`unknown service "${serviceName}" (not in the estate's services)`);
  if (service.platform === 'kubernetes') {
    throw new BadInputError(`release-pin applies to Cloud Run and compose services; ${serviceName} is on kubernetes`);
  }
  const ref = { key: serviceName, service };
  const platform = await deps.platform(ref, ctx);
  if (!isPinnable(platform)) throw new BadInputError(`${serviceName}: the platform cannot release a pin`);
  const status = await platform.status();
  const latest = status.revisions.find((r) => r.name === status.latestReady);
  if (!latest) throw new BadInputError(`${serviceName}: the platform reports no latest ready revision`);
  const pin = await ctx.state.get<PinRecord>(RollbackKeys.pin(serviceName));
  const bad = (await ctx.state.get<string[]>(RollbackKeys.bad(serviceName))) ?? [];
  const item: Record<string, unknown> = { service: serviceName, latest: latest.name, pin: pin ?? null };

  const refuse = (why: string): RunResult => ({
    outcome: 'fail',
    summary: `release-pin ${serviceName}: ${why}; traffic stays on ${status.serving ?? 'nothing'}`,
    items: [{ ...item, refused: why }],
  });
  if (!latest.ready) return refuse(`latest revision ${latest.name} is not Ready`);
  if (bad.includes(latest.name)) return refuse(`latest revision ${latest.name} was rolled back as bad; deploy a fix`);
  const policy = policyFor('rollback', ctx.config.rollback?.policies ?? [], serviceName);
  const metrics = policy ? deps.metrics(ref, policy, ctx) : undefined;
  // A probe measures whatever serves now, which while pinned is not the latest image: it would vouch for the wrong one.
  if (policy && !(metrics?.kind === 'probe' && latest.percent === 0)) {
    const windowMs = policy.errorRate.window;
    const reading = await readErrorRate(metrics, {
      revision: latest.name,
      end: ctx.now(),
      windowMs,
      signal: ctx.signal,
    });
    const verdict = judge(reading, decisionPolicy(policy));
    item.health = { state: verdict.state, reason: verdict.reason, reading: describeReading(reading) };
    // A revision without traffic has no data: that is fine; measured errors are not.
    if (verdict.state === 'high') return refuse(`latest revision ${latest.name} is failing: ${verdict.reason}`);
  }
  if (status.traffic.length === 1 && status.serving === latest.name && !pin) {
    return { outcome: 'skipped', summary: `${serviceName} already sends all traffic to ${latest.name}`, items: [item] };
  }

  const command = await previewChange(platform, { kind: 'release' });
  const dropPin = async () => {
    await ctx.state.delete(RollbackKeys.pin(serviceName));
    await ctx.state.delete(RollbackKeys.chain(serviceName));
  };
  const outcome = await ctx.act(
    'release-pin',
    serviceName,
    async (): Promise<Release> => {
      try {
        await platform.followLatest({ signal: ctx.signal, expectLatest: latest.name });
      } catch (error) {
        // A deploy landed since the judgement: nothing changed, and the new revision is for the next judgement.
        if (error instanceof LatestChangedError && !error.landed) return { released: false, reason: error.message };
        // The release may have landed although the call failed (a lost answer, a deploy that finished during it):
        // then nothing is pinned any more, and the records saying so go.
        const now = await platform.status().catch(() => undefined);
        if (now?.traffic.length !== 1 || !now.serving || now.serving !== now.latestReady) throw error;
        await dropPin();
        return { released: true, onto: now.serving, platformError: errorMessage(error) };
      }
      await dropPin();
      return { released: true, onto: latest.name };
    },
    {
      evidence: item,
      change: { traffic: { from: status.traffic, to: [{ latest: latest.name, percent: 100 }] }, ...command },
      unchanged: (release) => (release.released ? undefined : release.reason),
    },
  );
  if (outcome.status === 'dry-run') {
    return { outcome: 'ok', summary: `dry-run: would send 100% of ${serviceName} to ${latest.name}`, items: [item] };
  }
  if (outcome.status === 'refused') {
    return { outcome: 'skipped', summary: `release-pin refused by ${outcome.by}: ${outcome.reason}`, items: [item] };
  }
  if (!outcome.value.released) return refuse(`${outcome.value.reason}; run release-pin again to judge it`);
  const { onto, platformError } = outcome.value;
  if (platformError) item.platformError = platformError;
  const was = status.traffic.map((t) => `${t.revision} ${t.percent}%`).join(', ');
  if (onto !== latest.name) {
    // The release landed, onto a revision that became the latest during it and that nothing judged.
    item.onto = onto;
    const why = `traffic follows ${onto}, which a deploy made the latest during the release; it was not judged, ${latest.name} was`;
    await ctx.notify({
      severity: 'warning',
      title: `rollback ${serviceName}: pin released onto ${onto}, which was not judged`,
      text: `${why}. Watch ${onto}'s error rate, or roll back (was ${was}).`,
      dedupKey: `release-pin:${serviceName}:${onto}`,
    });
    return { outcome: 'fail', summary: `released the pin of ${serviceName}, but ${why}`, items: [item] };
  }
  await ctx.notify({
    severity: 'info',
    title: `rollback ${serviceName}: pin released, 100% to ${latest.name}`,
    text: `Traffic follows the latest ready revision again (was ${was}).`,
    dedupKey: `release-pin:${serviceName}:${latest.name}`,
  });
  return { outcome: 'ok', summary: `released the pin of ${serviceName}: 100% to ${latest.name}`, items: [item] };
}
