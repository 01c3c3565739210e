import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { registry } from '../../functions/registry.js';
import { kebabCase } from '../../tools/bundle/locate.js';
import { functions } from '../support/catalogue.js';
import { catalogue, functionModule, hcl, ROOT, resource, root, TF } from './repo-terraform.js';
import { planModule } from './tf-eval.js';

// Adding a function touches its folder, functions/registry.ts, Terraform's catalogue and a schedule file:
// these checks fail until all of them agree.

const names = registry.map((d) => d.name);
const BASE = { project_id: 'opsfn-prod-1', estate_config_path: 'estate.yaml' };
const plan = (vars: Record<string, unknown>) => planModule(root!, { ...BASE, ...vars });
const triggersOf = (name: string) => functions.find((f) => f.name === name)?.triggers ?? [];

/** The function each schedule file starts. */
const scheduled = readdirSync(join(ROOT, 'schedules'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => String((parseYaml(readFileSync(join(ROOT, 'schedules', f), 'utf8')) as { function?: string }).function));

describe('the function registry, Terraform, the schedules and the bundles', () => {
  it('deploy each registered function from the folder the registry names, the one its bundle is written to', () => {
    expect(functions.map((f) => f.name)).toEqual(names);
    expect(Object.keys(catalogue()).sort()).toEqual([...names].sort());
    for (const d of registry) {
      expect(d.folder, d.name).toBe(kebabCase(d.name));
      expect(catalogue()[d.name]?.folder, d.name).toBe(d.folder);
    }
  });

  it('subscribe a function that takes dead letters to its continuation’s dead-letter topic, and no other', () => {
    for (const fn of functions) {
      const entry = catalogue()[fn.name];
      expect(entry?.dead_letters, fn.name).toBe(fn.deadLetters === true);
      if (fn.deadLetters) expect(entry?.topics, fn.name).toContain(entry?.continuation);
    }
    const subscriptions = JSON.stringify(root?.modules.function?.subscriptions);
    expect(subscriptions).toContain('each.value.dead_letters ?');
    expect(subscriptions).toContain('google_pubsub_topic.dead_letter[each.value.continuation].id');
    // Without a dead-letter topic of its own, a dead letter the function cannot take is retried for an hour only.
    expect(String(root?.modules.function?.subscriptions)).toMatch(
      /dead_letter_topic\s*=\s*null\s+retention\s*=\s*"3600s"/,
    );
    const push = resource(functionModule, 'google_pubsub_subscription', 'push');
    expect(push.message_retention_duration).toBe(hcl('coalesce(each.value.retention, var.message_retention)'));
  });

  it('accept every registered entry point, and no other name, in each variable keyed by function', () => {
    const every = (value: unknown) => Object.fromEntries(names.map((n) => [n, value]));
    expect(plan({ functions: every({}) }).rejects('functions')).toEqual([]);
    expect(plan({ function_secrets: every({ SOME_TOKEN: 'some-secret' }) }).rejects('function_secrets')).toEqual([]);
    const caller = (fns: string[]) => ({ ci: { secret: 'opsfn-token-ci', functions: fns } });
    expect(plan({ caller_tokens: caller(names) }).rejects('caller_tokens')).toEqual([]);
    expect(plan({ functions: { notAFunction: {} } }).rejects('functions')).toHaveLength(1);
    expect(plan({ function_secrets: { notAFunction: {} } }).rejects('function_secrets')).toHaveLength(1);
    expect(plan({ caller_tokens: caller(['notAFunction']) }).rejects('caller_tokens')).toHaveLength(1);
  });

  it('list all the entry points, in registry order, wherever a variable names them', () => {
    // Terraform before 1.9 lets a validation refer to its own variable only, so each repeats the list.
    const files = readdirSync(TF).filter((f) => /^variables.*\.tf$/.test(f));
    const lists: string[][] = [];
    for (const file of files) {
      const text = readFileSync(join(TF, file), 'utf8');
      for (const line of text.split('\n')) {
        const named = names.filter((n) => new RegExp(`\\b${n}\\b`).test(line));
        if (named.length < 3) continue;
        lists.push([...line.matchAll(/\b[a-z][A-Za-z0-9]*\b/g)].map((m) => m[0]).filter((w) => named.includes(w)));
        expect(named, `${file}: ${line.trim()}`).toEqual(names);
      }
    }
    expect(lists.length).toBeGreaterThanOrEqual(3);
    for (const list of lists) expect(list).toEqual(names);
  });

  it('start each scheduled function from a schedule file on its schedules topic, and send alerts to each alert-driven one', () => {
    for (const name of names) {
      const { folder, topics } = catalogue()[name] ?? { folder: '', topics: [] };
      const isScheduled = triggersOf(name).includes('scheduled');
      expect(scheduled.includes(name), `a schedules/*.yaml file for ${name}`).toBe(isScheduled);
      expect(topics.includes(`schedules-${folder}`), `the schedules-${folder} topic of ${name}`).toBe(isScheduled);
      expect(topics.includes('alerts'), `the alerts topic of ${name}`).toBe(triggersOf(name).includes('alert'));
    }
    for (const name of scheduled) expect(names).toContain(name);
  });
});
