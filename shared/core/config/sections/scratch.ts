import * as z from '../../schema/index.js';
import { SecretRefSchema } from '../types.js';

/** A URL matching `pattern`, or a secret reference resolved at run time (it may carry a password). */
export const UrlOrSecretSchema = (pattern: RegExp, expectation: string) =>
  z.union([z.string().check(z.regex(pattern, expectation)), SecretRefSchema]);

/** One SQL assertion run against a restored scratch database: the first column of the first row is compared. */
export const AssertionSchema = z
  .strictObject({
    name: z.optional(z.string().check(z.minLength(1))),
    sql: z.string().check(z.minLength(1, 'expected a SQL query')),
    min: z.optional(z.number()),
    max: z.optional(z.number()),
    equals: z.optional(z.union([z.number(), z.string(), z.boolean()])),
  })
  .check(
    z.refine((a) => a.min !== undefined || a.max !== undefined || a.equals !== undefined, {
      message: 'expected at least one of "min", "max" or "equals"',
    }),
  );
/** A validated SQL assertion. */
export type Assertion = z.infer<typeof AssertionSchema>;

/** The scratch server a restore (a backup's restore test, a drill's restored dump) creates its throwaway database on. */
export const ScratchServerSchema = z.union([
  z.strictObject({ postgres: UrlOrSecretSchema(/^postgres(ql)?:\/\//, 'expected a postgres:// URL') }),
  z.strictObject({ mysql: UrlOrSecretSchema(/^(mysql|mariadb):\/\//, 'expected a mysql:// URL') }),
]);
/** A scratch server as the config names it. */
export type ScratchServerConfig = z.infer<typeof ScratchServerSchema>;
