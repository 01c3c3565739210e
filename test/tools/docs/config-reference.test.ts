import { describe, expect, it } from 'vitest';
import { EstateSchema } from '../../../functions/estate.js';
import { registry } from '../../../functions/registry.js';
import { CONFIG_NOTES } from '../../../tools/docs/config-notes.js';
import { configDocs } from '../../../tools/docs/config-reference.js';

const owners = registry.map((entry) => ({ key: entry.configKey, name: entry.name, folder: entry.folder }));
const STEP = 'autoscale.policies[].up.step';

describe('configDocs', () => {
  const { reference, jsonSchema } = configDocs(EstateSchema, owners, CONFIG_NOTES);

  it('lists every top-level key of the estate and links each function section to its README', () => {
    const keys = Object.keys((JSON.parse(jsonSchema) as { properties: object }).properties);
    for (const key of keys) expect(reference).toContain(`| \`${key}\` |`);
    for (const entry of registry) expect(reference).toContain(`(../functions/${entry.folder}/README.md)`);
  });

  it('lists each form of a union under its own heading', () => {
    expect(reference).toContain('#### `services.<name>` with `platform: compose`');
    expect(reference).toContain('#### `guard.freezeWindows[]` with `{ cron, duration, reason }`');
  });

  it('gives a key its note as meaning and as its JSON Schema description', () => {
    expect(reference).toMatch(
      /\| `lockTtl` \| duration \| `15m` \| a lock held by a crashed run expires after this \|/,
    );
    expect(jsonSchema).toContain('"description": "a lock held by a crashed run expires after this"');
  });

  it('refuses a note whose key the schema does not have', () => {
    expect(() => configDocs(EstateSchema, owners, { ...CONFIG_NOTES, 'guard.lockTTL': 'typo' })).toThrow(
      /guard\.lockTTL/,
    );
  });

  it('refuses a default only a note can write when no note gives it, or one the schema does not have', () => {
    const { [STEP]: _, ...withoutStep } = CONFIG_NOTES;
    expect(() => configDocs(EstateSchema, owners, withoutStep)).toThrow(/up\.step: its default cannot be written/);
    const wrong = { ...CONFIG_NOTES, [STEP]: { text: 'a step', default: '+40%' } };
    expect(() => configDocs(EstateSchema, owners, wrong)).toThrow(/is not the schema's default/);
  });
});
