import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EstateSchema } from '../../../functions/estate.js';
import { referenceProblem } from '../../../functions/health-sweep/checks/run-check.js';
import { loadConfig } from '../../../shared/host/runtime/load-config.js';

const DIR = join(import.meta.dirname, '..', '..', '..', 'examples');
const estates = readdirSync(DIR).filter((f) => /^\d{3}-.*\.yaml$/.test(f));

describe('health sections of the example estates', () => {
  it.each(estates)('%s has a health section whose every check is valid and names what the estate has', async (file) => {
    const estate = await loadConfig(EstateSchema, join(DIR, file), { env: {} });
    const checks = estate.health?.checks ?? [];
    expect(checks.length).toBeGreaterThan(0);
    for (const check of checks) {
      if (check.kind === 'invalid') expect.fail(`${file}: ${check.name}: ${check.problem}`);
      expect(referenceProblem(check, estate), `${file}: ${check.name}`).toBeUndefined();
      if ((check.kind === 'postgres' || check.kind === 'mysql') && check.database !== undefined) {
        expect(estate.databases[check.database]?.kind, `${file}: ${check.name}`).toBe(check.kind);
      }
      if (check.kind === 'query' && check.source === 'prometheus') expect(estate.endpoints.prometheus).toBeDefined();
    }
    for (const alert of estate.health?.alerts ?? []) {
      if (alert.service !== undefined)
        expect(estate.services[alert.service], `${file}: alert ${alert.name}`).toBeDefined();
    }
  });
});
