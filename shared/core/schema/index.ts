/**
 * The schema kit every opsfn module validates with: zod's tree-shakable `zod/mini` API, so a deployed
 * bundle carries (and a cold start parses) only the validators it uses, with English issue messages.
 */
import { en } from 'zod/locales';
import { config, type core, NEVER } from 'zod/mini';

// zod/mini sets no locale: without one, every issue would read "Invalid input".
config(en());

export * from 'zod/mini';

/**
 * Fails a `z.transform` with `message` (zod/mini's transform context has no `addIssue`):
 * `return z.reject(ctx, 'expected …')`.
 */
export function reject(ctx: core.ParsePayload, message: string): never {
  ctx.issues.push({ code: 'custom', message, input: ctx.value });
  return NEVER;
}
