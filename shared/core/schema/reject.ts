import { type core, NEVER } from 'zod/mini';

/**
 * Fails a `z.transform` with `message` (zod/mini's transform context has no `addIssue`).
 * @example z.transform((text: string, ctx) => parseDuration(text) ?? z.reject(ctx, `expected a duration, got "${text}"`))
 */
export function reject(ctx: core.ParsePayload, message: string): never {
  ctx.issues.push({ code: 'custom', message, input: ctx.value });
  return NEVER;
}
