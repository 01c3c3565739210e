import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registry } from '../functions/registry.js';
import { ScheduleSchema } from '../shared/core/config/schedule.js';
import { functions } from './support/catalogue.js';

const DIR = join(import.meta.dirname, '..', 'schedules');
const ENTRY_POINTS = registry.map((d) => d.name);
// Every function that takes scheduled triggers needs a job.
const presentScheduled = functions.filter((f) => f.triggers.includes('scheduled')).map((f) => f.name);

const files = existsSync(DIR)
  ? readdirSync(DIR)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
  : [];

function load(file: string) {
  return ScheduleSchema.safeParse(parse(readFileSync(join(DIR, file), 'utf8')));
}

describe('schedules', () => {
  it.each(presentScheduled)('has a job that starts %s', (entryPoint) => {
    const started = files.map((file) => load(file).data?.function);
    expect(started).toContain(entryPoint);
  });

  it.each(files)('%s validates, is named after its file and starts a known function', (file) => {
    const result = load(file);
    if (!result.success) {
      const lines = result.error.issues.map((i) => `  ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
      expect.fail(`schedules/${file} does not validate:\n${lines.join('\n')}`);
    }
    expect(result.data.name).toBe(basename(file).replace(/\.ya?ml$/, ''));
    expect(ENTRY_POINTS).toContain(result.data.function);
    expect(result.data.retry.minBackoff).toBeLessThanOrEqual(result.data.retry.maxBackoff);
    const { timeZone } = result.data;
    if (timeZone !== undefined) expect(() => new Intl.DateTimeFormat('en', { timeZone })).not.toThrow();
  });

  it('uses every job name once', () => {
    const names = files.map((file) => load(file).data?.name ?? file);
    expect(new Set(names).size).toBe(names.length);
  });

  it('uses the .yaml extension Terraform reads', () => {
    expect(files.filter((file) => !file.endsWith('.yaml'))).toEqual([]);
  });
});
