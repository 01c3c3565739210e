import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EstateSchema } from '../functions/estate.js';
import { main } from '../shared/host/cli/main.js';
import type { Serving } from '../shared/host/cli/serve-cmd.js';
import { loadConfig } from '../shared/host/runtime/load-config.js';
import { estate, functions } from './support/catalogue.js';

const ROOT = join(import.meta.dirname, '..');

function listYaml(dir: string, recursive: boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
    .sort();
}

const examples = listYaml(join(ROOT, 'examples'), false);
const terraformExamples = listYaml(join(ROOT, 'terraform', 'examples'), true);

function describeIssues(file: string, issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const lines = issues.map((issue) => `  ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  return `${file} does not validate:\n${lines.join('\n')}`;
}

describe('examples', () => {
  it('include the local config and one estate per seed system', () => {
    expect(examples).toEqual(
      expect.arrayContaining([
        'examples/local.yaml',
        'examples/000-marketplace.yaml',
        'examples/001-chat.yaml',
        'examples/002-job-hunter.yaml',
        'examples/003-exchange.yaml',
        'examples/004-after-sales.yaml',
      ]),
    );
  });

  it.each([...examples, ...terraformExamples])('%s validates against the estate schema', (file) => {
    const result = EstateSchema.safeParse(parse(readFileSync(join(ROOT, file), 'utf8')));
    if (!result.success) expect.fail(describeIssues(file, result.error.issues));
    expect(result.data.estate).not.toBe('');
  });

  it.each([...examples, ...terraformExamples])('%s loads through the config loader', async (file) => {
    const estate = await loadConfig(EstateSchema, join(ROOT, file), { env: {} });
    expect(estate.estate.length).toBeGreaterThan(0);
  });

  it('serves examples/local.yaml on loopback with nothing else running, as `npm start` does', async () => {
    let serving: Serving | undefined;
    const errors: string[] = [];
    const io = {
      out: () => {},
      err: (text: string) => errors.push(text),
      tty: false,
      env: {},
      stdin: async () => Buffer.alloc(0),
    };
    const code = await main(['serve', '--config', join(ROOT, 'examples/local.yaml'), '--port', '0'], {
      functions,
      estate,
      io,
      logSink: () => {},
      onServing: (started) => {
        serving = started;
      },
    });
    try {
      expect(code, errors.join('')).toBe(0);
      expect(serving?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${serving?.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
      expect(response.status).toBe(200);
    } finally {
      await serving?.stop();
    }
  });

  it('keeps the local config free of cloud dependencies', () => {
    const local = EstateSchema.parse(parse(readFileSync(join(ROOT, 'examples/local.yaml'), 'utf8')));
    expect(local.state).toBe('memory');
    expect(local.mode).toBe('enforce');
    expect(local.auth).toBeUndefined();
    expect(Object.keys(local.services)).toEqual([]);
    expect(Object.keys(local.databases)).toEqual([]);
  });

  it.each(examples.filter((file) => file !== 'examples/local.yaml'))(
    '%s holds secret references, not secrets',
    (file) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      expect(text).not.toMatch(/:\/\/[^/\s:@]+:[^/\s@]+@/);
      expect(text).not.toMatch(/\b(xox[abp]-|hooks\.slack\.com\/services\/|open\.feishu\.cn\/open-apis\/bot)/);
    },
  );
});
