import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { EstateSchema } from '../../../../functions/estate.js';
import { isTimeZone } from '../../../../shared/core/config/time-zone.js';
import { parseDuration, parseSize } from '../../../../shared/core/config/types.js';
import { loadConfig } from '../../../../shared/host/runtime/load-config.js';
import { configIssues } from '../../../support/estate.js';

const dir = mkdtempSync(join(tmpdir(), 'opsfn-config-'));
const file = join(dir, 'opsfn.yaml');
writeFileSync(file, 'estate: from-file\n');

describe('durations and sizes', () => {
  it.each([
    ['26h', 93_600_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    ['1.5s', 1_500],
    ['soon', undefined],
    ['', undefined],
    ['5 m', undefined],
  ])('parses duration %s → %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each([
    ['1MiB', 1_048_576],
    ['200MB', 200_000_000],
    ['1024', 1024],
    ['1 KiB', 1024],
    ['lots', undefined],
    ['5XB', undefined],
  ])('parses size %s → %s', (text, bytes) => expect(parseSize(text)).toBe(bytes));
});

describe('time zones', () => {
  it('knows canonical zones, UTC and aliases the runtime accepts, and nothing else', () => {
    for (const tz of ['Asia/Shanghai', 'America/Sao_Paulo', 'UTC', 'Etc/UTC', 'Asia/Calcutta', 'US/Pacific']) {
      expect(isTimeZone(tz), tz).toBe(true);
    }
    for (const tz of ['Mars/Olympus', '', 'asia/nowhere', 'UTC+25']) expect(isTimeZone(tz), tz).toBe(false);
  });

  it('answers UTC without listing the zones or building a formatter (what a cold start reads)', async () => {
    vi.resetModules();
    const list = vi.spyOn(Intl, 'supportedValuesOf');
    const format = vi.spyOn(Intl, 'DateTimeFormat');
    try {
      const fresh = await import('../../../../shared/core/config/time-zone.js');
      for (const tz of ['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']) expect(fresh.isTimeZone(tz), tz).toBe(true);
      expect(list).not.toHaveBeenCalled();
      expect(format).not.toHaveBeenCalled();
      expect(fresh.isTimeZone('Asia/Shanghai')).toBe(true);
      expect(list).toHaveBeenCalledTimes(1);
    } finally {
      list.mockRestore();
      format.mockRestore();
    }
  });
});

describe('loadConfig', () => {
  it('loads a path, a file:// URL and OPSFN_CONFIG', async () => {
    expect((await loadConfig(EstateSchema, file)).estate).toBe('from-file');
    expect((await loadConfig(EstateSchema, pathToFileURL(file).href)).estate).toBe('from-file');
    expect((await loadConfig(EstateSchema, undefined, { env: { OPSFN_CONFIG: file } })).estate).toBe('from-file');
  });

  it('fills every default', async () => {
    const estate = await loadConfig(EstateSchema, file);
    expect(estate).toMatchObject({ mode: 'enforce', state: 'memory', timezone: 'UTC', limits: { body: 1_048_576 } });
    expect(estate.guard.rateLimit.perTarget).toEqual({ max: 3, window: 3_600_000 });
    expect(estate.guard.breaker).toMatchObject({ max: 15, window: 3 * 3_600_000 });
  });

  it.each(['gs://ops-config/opsfn.yaml', 's3://ops-config/prod/opsfn.yaml'])(
    'loads %s through the remote reader',
    async (url) => {
      const asked: string[] = [];
      const estate = await loadConfig(EstateSchema, url, {
        readRemote: async (u, max) => {
          asked.push(u);
          expect(max).toBe(1_048_576);
          return Buffer.from('estate: remote\n');
        },
      });
      expect(estate.estate).toBe('remote');
      expect(asked).toEqual([url]);
    },
  );

  it('names the source when it cannot be read', async () => {
    await expect(loadConfig(EstateSchema, join(dir, 'missing.yaml'))).rejects.toThrow(
      /missing\.yaml: invalid config[\s\S]*cannot read/,
    );
  });

  it.each([
    ['state: { redis: "http://x" }', 'state'],
    ['guard: { lockTtl: soon }', 'guard.lockTtl: expected duration like "26h"'],
    ['timezone: Mars/Olympus', 'timezone: expected an IANA time zone'],
    ['mode: yolo', 'mode'],
    ['services: { web: { platform: cloud-run, project: p1 } }', 'services.web.region'],
    ['services: { web: { platform: kubernetes, deployment: web, context: a, server: "https://k" } }', 'services.web'],
    ['databases: { main: { kind: oracle } }', 'databases.main.kind'],
    ['auth: { tokens: [ { value: hunter2 } ] }', 'auth.tokens[0]'],
    [
      'notify: { routes: [ { severity: critical, channels: [pager] } ] }',
      'notify.routes[0].channels[0]: unknown channel "pager"',
    ],
    ['limits: { body: huge }', 'limits.body: expected size like "1MiB"'],
    [
      'limits: { timeout: 5m }\nrollback: { policies: [ { match: { alert: HighErrorRate }, errorRate: { threshold: 0.01 }, settle: 5m } ] }',
      'rollback.policies[0].settle: on Cloud Run, up to 2m for the change + settle (5m) + the 3m Cloud Monitoring may take to show it',
    ],
    ['unknown_key: 1', 'unknown_key'],
    ['estate: [', 'yaml:'],
  ])('rejects %s naming %s', async (text, expected) => {
    const issues = await configIssues(text);
    expect(issues.join('\n')).toContain(expected);
  });

  it('refuses YAML alias bombs', async () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...'bcdefghij'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghij'[i]}`).join(',')}]`),
    ].join('\n');
    expect((await configIssues(bomb)).join('\n')).toMatch(/yaml|alias|unknown/i);
  });

  it('refuses a plain yes/no/on/off that Terraform’s yamldecode (YAML 1.1) would deploy as a boolean', async () => {
    const text = [
      'estate: yaml11',
      'rollback:',
      '  policies:',
      '    - { match: { alert: HighErrorRate, labels: { page: yes } }, errorRate: { threshold: 5% } }',
    ].join('\n');
    expect((await configIssues(text)).join('\n')).toContain(
      'yaml: line 4: "yes" is a string here but a boolean to Terraform\'s yamldecode: quote it ("yes") or write true/false',
    );
    expect(await configIssues(text.replace('page: yes', 'page: "yes"'))).toEqual([]);
  });

  it('reads a JSON config, as Terraform deploys it, to the same estate as its YAML', async () => {
    const yaml = 'estate: json\nlimits: { timeout: 5m }\nnotify: { channels: {}, routes: [] }\n';
    const json = JSON.stringify({ estate: 'json', limits: { timeout: '5m' }, notify: { channels: {}, routes: [] } });
    const dir = mkdtempSync(join(tmpdir(), 'opsfn-json-'));
    writeFileSync(join(dir, 'a.yaml'), yaml);
    writeFileSync(join(dir, 'a.json'), json);
    expect(await loadConfig(EstateSchema, join(dir, 'a.json'))).toEqual(
      await loadConfig(EstateSchema, join(dir, 'a.yaml')),
    );
  });

  it('refuses a JSON config that repeats a key, as its YAML would be refused', async () => {
    expect((await configIssues('{"estate": "a", "mode": "enforce", "estate": "b"}')).join('\n')).toMatch(
      /yaml: .*[Mm]ap keys must be unique/,
    );
    expect(await configIssues('{"estate": "a", "auth": { "mode": "platform" }, "x": "\\"y\\": 1"}')).toEqual([
      '(root): Unrecognized key: "x"',
    ]);
  });
});
