import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DurationSchema, SizeSchema } from '../../../shared/core/config/index.js';
import { yamlDefault } from '../../../tools/docs/named-types.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const schema = JSON.parse(readFileSync(join(ROOT, 'opsfn.schema.json'), 'utf8')) as Record<string, unknown>;
const validate = new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(schema);
const examples = readdirSync(join(ROOT, 'examples')).filter((name) => name.endsWith('.yaml'));
const props = schema.properties as Record<string, { properties?: Record<string, { default?: unknown }> }>;

describe('opsfn.schema.json', () => {
  it.each(examples)('accepts examples/%s', (name) => {
    const ok = validate(parse(readFileSync(join(ROOT, 'examples', name), 'utf8')));
    expect(validate.errors ?? [], name).toEqual([]);
    expect(ok).toBe(true);
  });

  it('refuses a duration it cannot parse, an unknown key and a literal where a secret reference belongs', () => {
    expect(validate({ guard: { lockTtl: 'soon' } })).toBe(false);
    expect(validate({ gaurd: {} })).toBe(false);
    expect(validate({ notify: { channels: { ops: { type: 'slack', url: 'https://hooks.example/x' } } } })).toBe(false);
  });

  it('writes defaults the way YAML writes them, not as parsed values', () => {
    expect(props.guard?.properties?.lockTtl?.default).toBe('15m');
    expect(props.limits?.properties?.body?.default).toBe('1MiB');
    expect(props.limits?.properties?.timeout?.default).toBe('9m');
  });
});

describe('yamlDefault', () => {
  it('writes milliseconds as a duration and bytes as a size that parse back to them', () => {
    expect(yamlDefault(DurationSchema, 5_400_000)).toBe('1h30m');
    expect(yamlDefault(SizeSchema, 2 * 1024 * 1024)).toBe('2MiB');
    expect(yamlDefault(SizeSchema, 1500)).toBe(1500);
  });

  it('gives up on a parsed value it cannot write back', () => {
    expect(yamlDefault(DurationSchema, { kind: 'percent', value: 50 })).toBeUndefined();
  });
});
