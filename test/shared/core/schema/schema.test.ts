import { describe, expect, it } from 'vitest';
import * as zod from 'zod/mini';
import * as z from '../../../../shared/core/schema/index.js';

describe('the schema kit', () => {
  it('words issues in English, not zod/mini’s bare "Invalid input"', () => {
    const result = z.strictObject({ name: z.string().check(z.minLength(2)) }).safeParse({ name: 'x', extra: 1 });
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      'Too small: expected string to have >=2 characters',
      'Unrecognized key: "extra"',
    ]);
  });

  it('fails a transform with the message reject is given, and nothing after it runs', () => {
    let piped = false;
    const Even = z.pipe(
      z.pipe(
        z.number(),
        z.transform((n: number, ctx) => (n % 2 === 0 ? n / 2 : z.reject(ctx, `expected an even number, got ${n}`))),
      ),
      z.transform((half: number) => {
        piped = true;
        return half;
      }),
    );
    expect(Even.safeParse(4)).toMatchObject({ success: true, data: 2 });
    piped = false;
    const refused = Even.safeParse(3);
    expect(refused.success).toBe(false);
    expect(refused.error?.issues).toMatchObject([{ code: 'custom', message: 'expected an even number, got 3' }]);
    expect(piped).toBe(false);
  });

  it('builds strict objects that refuse, describe and extend as zod’s own do, around one shared catchall', () => {
    const shape = () => ({ name: z.string(), port: z.optional(z.number()) });
    const ours = z.strictObject(shape());
    const theirs = zod.strictObject(shape());
    for (const input of [{ name: 'a' }, { name: 'a', extra: 1, more: 2 }, { port: 'x' }, null]) {
      expect(ours.safeParse(input)).toEqual(theirs.safeParse(input));
    }
    expect(z.toJSONSchema(ours)).toEqual(z.toJSONSchema(theirs));
    const extended = z.extend(ours, { tls: z.boolean() });
    expect(extended.safeParse({ name: 'a', tls: true, extra: 1 }).error?.issues).toMatchObject([
      { code: 'unrecognized_keys', keys: ['extra'] },
    ]);
    expect(z.strictObject({}).def.catchall).toBe(ours.def.catchall);
  });

  it('builds a lazy schema on its first parse, once', () => {
    let built = 0;
    const Lazy = z.lazy(() => {
      built += 1;
      return z.object({ id: z.string() });
    });
    expect(built).toBe(0);
    expect(Lazy.safeParse({ id: 'a' }).success).toBe(true);
    expect(Lazy.safeParse({ id: 1 }).error?.issues).toMatchObject([{ path: ['id'] }]);
    expect(built).toBe(1);
  });
});
