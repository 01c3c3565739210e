import * as z from 'zod';
import { SecretRefSchema } from '../types.js';

/** A URL matching `pattern`, or a secret reference resolved at run time (it may carry a password). */
export const UrlOrSecretSchema = (pattern: RegExp, expectation: string) =>
  z.union([z.string().regex(pattern, expectation), SecretRefSchema]);

/** One SQL assertion run against a restored scratch database: the first column of the first row is compared. */
export const AssertionSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    sql: z.string().min(1, 'expected a SQL query'),
    min: z.number().optional(),
    max: z.number().optional(),
    equals: z.union([z.number(), z.string(), z.boolean()]).optional(),
  })
  .refine((a) => a.min !== undefined || a.max !== undefined || a.equals !== undefined, {
    message: 'expected at least one of "min", "max" or "equals"',
  });
/** A validated SQL assertion. */
export type Assertion = z.infer<typeof AssertionSchema>;

/** The scratch server a restore (a backup's restore test, a drill's restored dump) creates its throwaway database on. */
export const ScratchServerSchema = z.union([
  z.strictObject({ postgres: UrlOrSecretSchema(/^postgres(ql)?:\/\//, 'expected a postgres:// URL') }),
  z.strictObject({ mysql: UrlOrSecretSchema(/^(mysql|mariadb):\/\//, 'expected a mysql:// URL') }),
]);
/** A scratch server as the config names it. */
export type ScratchServerConfig = z.infer<typeof ScratchServerSchema>;
