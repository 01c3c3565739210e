import { describe, expect, it } from 'vitest';
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
});
