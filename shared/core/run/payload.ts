import * as z from '../schema/index.js';

/**
 * Bounds on what one payload may ask for: a request names at most 1,000 things, each of bounded
 * length, so one call can never fan out into hours of work or a response of many megabytes.
 */
export const PayloadLimits = {
  listItems: 1000,
  nameLength: 200,
  textLength: 1000,
} as const;

/**
 * A list of at least `min` and at most {@link PayloadLimits.listItems} entries, de-duplicated in order: naming a
 * thing twice asks for it once (two runs of one restore would collide on its scratch database).
 * @example uniqueList(z.string().max(200), 'backups').parse(['a', 'b', 'a']) // ['a', 'b']
 */
export function uniqueList<T extends z.ZodMiniType<string>>(item: T, what: string, min = 0) {
  return z.pipe(
    z
      .array(item)
      .check(
        z.minLength(min, `expected at least ${min} ${what}`),
        z.maxLength(PayloadLimits.listItems, `expected at most ${PayloadLimits.listItems} ${what}`),
      ),
    z.transform((list) => [...new Set(list)]),
  );
}

/** A free-text field (a reason for the audit trail) of bounded length. */
export const PayloadTextSchema = z
  .string()
  .check(z.maxLength(PayloadLimits.textLength, `expected at most ${PayloadLimits.textLength} characters`));

/** The first `max` values joined with `, `, then `and N more`: for messages that name what a request got wrong. */
export function describeSome(values: readonly string[], max = 20): string {
  const shown = values.slice(0, max).join(', ');
  return values.length > max ? `${shown} and ${values.length - max} more` : shown;
}
