import { defineFunction } from '../../shared/core/run/define-function.js';
import * as z from '../../shared/core/schema/index.js';

/** Calls made by {@link makeMutateFunction}'s mutation, per target. */
export type CallLog = Map<string, number>;

/**
 * A test function that performs one guarded mutation on `payload.target` (or the alert's
 * `service` label), counting the calls that really happened.
 */
export function makeMutateFunction(
  calls: CallLog,
  options: { delayMs?: number; fail?: Error; cooldownMs?: number } = {},
) {
  return defineFunction({
    name: 'mutate',
    description: 'test mutation',
    triggers: ['manual', 'alert', 'scheduled'],
    input: z.strictObject({ target: z._default(z.string(), 'svc') }),
    async run(ctx, input) {
      const target =
        input?.target ?? (ctx.trigger.kind === 'alert' ? (ctx.trigger.alert.labels.service ?? 'svc') : 'svc');
      const outcome = await ctx.act(
        'mutate',
        target,
        async () => {
          if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
          if (options.fail) throw options.fail;
          calls.set(target, (calls.get(target) ?? 0) + 1);
          return 'changed';
        },
        { cooldownMs: options.cooldownMs ?? 0, evidence: { why: 'test' } },
      );
      return {
        outcome: outcome.status === 'refused' ? 'warn' : 'ok',
        summary: `${outcome.status} ${target}`,
        items: [outcome],
      };
    },
  });
}
