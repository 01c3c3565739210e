import { en } from 'zod/locales';
import { config, type core, never, ZodMiniObject } from 'zod/mini';

// zod/mini sets no locale: without one, every issue would read "Invalid input". This module is the one
// `package.json` declares with a side effect, so a tree-shaken bundle keeps this call.
config(en());

export * from 'zod/mini';

// What a strict object's unknown keys are checked against: zod rejects them by the catchall's type, so one
// schema serves every strict object rather than each building its own.
const UNKNOWN_KEY = never();

/**
 * zod's `strictObject` (unknown keys are an error), sharing one catchall: a cold start builds about 60
 * strict objects, and zod's own builds a `never` schema for each.
 */
/* @__NO_SIDE_EFFECTS__ */
export function strictObject<T extends core.$ZodLooseShape>(
  shape: T,
): ZodMiniObject<core.util.Writeable<T>, core.$strict> {
  return new ZodMiniObject({ type: 'object', shape: shape as core.$ZodShape, catchall: UNKNOWN_KEY }) as ZodMiniObject<
    core.util.Writeable<T>,
    core.$strict
  >;
}
