import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { EstateSchema } from '../../../../functions/estate.js';
import { type EstateSchema as EstateSchemaType, runtimeChecksOf } from '../../../../shared/core/config/index.js';
import {
  documentDigest,
  loadConfig,
  parseConfig,
  readConfigDocument,
  type ValidatedEstate,
  validationRuntime,
} from '../../../../shared/host/runtime/load-config.js';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const EXAMPLE = join(ROOT, 'examples', '000-marketplace.yaml');
const exampleText = readFileSync(EXAMPLE, 'utf8');

/** A schema that counts its runs, so a test can tell a validated estate taken from one that was validated again. */
function counting(schema: EstateSchemaType) {
  const counter = { runs: 0 };
  const wrapped = {
    safeParse: (value: unknown) => {
      counter.runs++;
      return schema.safeParse(value);
    },
  } as unknown as EstateSchemaType;
  return { schema: wrapped, counter };
}

/** Key order reversed at every level: the same document as JSON Terraform writes it would order it its own way. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reordered(v)]),
  );
}

async function validatedExample(): Promise<ValidatedEstate> {
  const document = await readConfigDocument(exampleText, EXAMPLE);
  const { value, zones, patterns } = runtimeChecksOf(() => parseConfig(EstateSchema, document, EXAMPLE));
  return {
    digest: documentDigest(document),
    estate: JSON.stringify(value),
    runtime: validationRuntime(),
    zones,
    patterns,
  };
}

describe('an estate validated ahead of time', () => {
  it('is taken for the same document, YAML or JSON in any key order, without running the schema', async () => {
    const validated = await validatedExample();
    const full = parseConfig(EstateSchema, parseYaml(exampleText), EXAMPLE);
    const dir = mkdtempSync(join(tmpdir(), 'opsfn-validated-'));
    const json = join(dir, 'opsfn.json');
    writeFileSync(json, JSON.stringify(reordered(parseYaml(exampleText))));
    for (const source of [EXAMPLE, json]) {
      const { schema, counter } = counting(EstateSchema);
      const digests: string[] = [];
      const estate = await loadConfig(schema, source, { validated, onValidated: (d) => digests.push(d) });
      expect(estate, source).toEqual(full);
      expect(counter.runs, source).toBe(0);
      expect(digests, source).toEqual([validated.digest]);
    }
  });

  it('is not taken for any other document: one changed value is validated, and refused when invalid', async () => {
    const validated = await validatedExample();
    const document = parseYaml(exampleText) as Record<string, unknown>;
    const { schema, counter } = counting(EstateSchema);
    const calls: string[] = [];
    const onValidated = (d: string) => calls.push(d);
    const other = parseConfig(schema, { ...document, estate: 'another' }, 'x', { validated, onValidated });
    expect(other.estate).toBe('another');
    expect(counter.runs).toBe(1);
    expect(() =>
      parseConfig(schema, { ...document, timezone: 'Mars/Olympus' }, 'x', { validated, onValidated }),
    ).toThrow(/timezone/);
    expect(counter.runs).toBe(2);
    expect(calls).toEqual([]);
  });

  it('records the time zones its validation asked the runtime about', async () => {
    // The example's estate zone and its schedules' zones: what a runtime with other time-zone data is asked again.
    expect((await validatedExample()).zones).toEqual(['Asia/Taipei']);
    const paris = { estate: 'x', timezone: 'Europe/Paris' };
    expect(runtimeChecksOf(() => parseConfig(EstateSchema, paris, 'x')).zones).toEqual(['Europe/Paris']);
  });

  it('is taken on another Node or time-zone data that knows every time zone it names', async () => {
    // As deployed: bundled on the deployer's Node 20, served by the nodejs22 runtime with its own time-zone data.
    const validated = { ...(await validatedExample()), runtime: 'node 18, tz 2019a' };
    const { schema, counter } = counting(EstateSchema);
    const why: string[] = [];
    const taken: string[] = [];
    const estate = parseConfig(schema, parseYaml(exampleText), 'x', {
      validated,
      onValidated: (d) => taken.push(d),
      onNotValidated: (w) => why.push(w),
    });
    expect(estate).toEqual(JSON.parse(validated.estate));
    expect(counter.runs).toBe(0);
    expect(why).toEqual([]);
    expect(taken).toEqual([validated.digest]);
  });

  it('records the patterns its validation compiled, and is validated again where one does not compile', async () => {
    // Estate 001's healthSweep checks Consul's leader by a pattern on its body: compiled, and recorded.
    const chat = join(ROOT, 'examples', '001-chat.yaml');
    const document = await readConfigDocument(readFileSync(chat, 'utf8'), chat);
    const checked = runtimeChecksOf(() => parseConfig(EstateSchema, document, chat));
    expect(checked.patterns).toContain('"[^"]+:\\d+"');
    const validated: ValidatedEstate = {
      digest: documentDigest(document),
      estate: JSON.stringify(checked.value),
      runtime: validationRuntime(),
      zones: checked.zones,
      patterns: checked.patterns,
    };
    // One this runtime's engine cannot compile (as `(?i:…)` on an older V8): the carried estate is not taken.
    const other = { ...validated, runtime: 'node 99, tz 2099a', patterns: [...validated.patterns, '(?<'] };
    const { schema, counter } = counting(EstateSchema);
    const why: string[] = [];
    parseConfig(schema, document, 'x', { validated: other, onNotValidated: (w) => why.push(w) });
    expect(counter.runs).toBe(1);
    expect(why).toEqual([
      `the bundle validated it on node 99, tz 2099a; this runtime (${validationRuntime()}) does not compile its pattern /(?</`,
    ]);
  });

  it('is validated again on time-zone data that does not know a time zone it names', async () => {
    const validated = {
      ...(await validatedExample()),
      runtime: 'node 18, tz 2019a',
      zones: ['Asia/Taipei', 'Mars/Olympus'],
    };
    const { schema, counter } = counting(EstateSchema);
    const why: string[] = [];
    const estate = parseConfig(schema, parseYaml(exampleText), 'x', { validated, onNotValidated: (w) => why.push(w) });
    expect(estate.estate).toBe(parseYaml(exampleText).estate);
    expect(counter.runs).toBe(1);
    expect(why).toEqual([
      `the bundle validated it on node 18, tz 2019a; this runtime (${validationRuntime()}) does not know its time zone "Mars/Olympus"`,
    ]);
    // On the build's own time-zone data the answers are the build's: nothing is asked again.
    const same = { ...validated, runtime: validationRuntime() };
    const again = counting(EstateSchema);
    parseConfig(again.schema, parseYaml(exampleText), 'x', { validated: same });
    expect(again.counter.runs).toBe(0);
  });

  it('gives each start its own copy of the estate', async () => {
    const validated = await validatedExample();
    const document = parseYaml(exampleText);
    const first = parseConfig(EstateSchema, document, 'x', { validated });
    (first as { estate: string }).estate = 'changed by a run';
    expect(parseConfig(EstateSchema, document, 'x', { validated }).estate).not.toBe('changed by a run');
  });

  it('digests documents apart by value and alike by key order only', () => {
    expect(documentDigest({ a: 1, b: [1, 2] })).toBe(documentDigest({ b: [1, 2], a: 1 }));
    expect(documentDigest({ a: 1, b: [1, 2] })).not.toBe(documentDigest({ a: 1, b: [2, 1] }));
    expect(documentDigest({ a: '1' })).not.toBe(documentDigest({ a: 1 }));
    expect(documentDigest({ a: null })).not.toBe(documentDigest({}));
    // YAML's .inf, .nan and -0, which JSON would write as null and 0.
    expect(documentDigest({ a: Number.POSITIVE_INFINITY })).not.toBe(documentDigest({ a: null }));
    expect(documentDigest({ a: Number.NaN })).not.toBe(documentDigest({ a: null }));
    expect(documentDigest({ a: -0 })).not.toBe(documentDigest({ a: 0 }));
  });
});
