import { loadSections } from '../../functions/catalogue.js';
import type { Estate, EstateInput } from '../../functions/estate.js';
import { EstateSchema } from '../../functions/estate.js';
import { registry } from '../../functions/registry.js';
import { composeEstateSchema } from '../../shared/core/config/compose.js';
import { ConfigError } from '../../shared/core/config/errors.js';
import { parseConfig, parseConfigText } from '../../shared/host/runtime/load-config.js';

/** A validated estate for tests: memory state, enforce mode, plus the given overrides. */
export function testEstate(overrides: Partial<EstateInput> = {}): Estate {
  return parseConfig(EstateSchema, { estate: 'test', ...overrides }, 'test');
}

// Every section, but no registry: names of functions in notify routes and token grants go unchecked.
const UnregisteredEstateSchema = composeEstateSchema(await loadSections(registry));

/** A validated estate for tests whose functions are made up for the test (not the registered ones). */
export function testEstateOf(overrides: Partial<EstateInput> = {}): Estate {
  return parseConfig(UnregisteredEstateSchema, { estate: 'test', ...overrides }, 'test');
}

/** The `path: expectation` lines config validation reports for YAML `text`; none when it is valid. */
export async function configIssues(text: string): Promise<string[]> {
  try {
    await parseConfigText(EstateSchema, text, 'x.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

export { captureLogs } from '../../shared/testing/index.js';
