import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GUARDRAILS, guardrailTable, withGuardrailTable } from '../../../../shared/core/guard/guardrails.js';

const README = new URL('../../../../shared/core/guard/README.md', import.meta.url);

describe('the guard README', () => {
  it('prints the guardrail table generated from GUARDRAILS', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme, 'the table is stale: run `npm run docs`').toBe(withGuardrailTable(readme));
  });

  it('lists every guardrail once, in the order of GUARDRAILS', () => {
    const names = [...guardrailTable().matchAll(/^\| \d+ \| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(names).toEqual(GUARDRAILS.map((g) => g.name));
  });

  it('tells a table of another order from the printed one', () => {
    const readme = readFileSync(README, 'utf8');
    expect(withGuardrailTable(readme, [...GUARDRAILS].reverse())).not.toBe(readme);
  });

  it('refuses a README without the table markers', () => {
    expect(() => withGuardrailTable('# guard\n')).toThrow(/markers are missing/);
  });
});
