import { describe, expect, it } from 'vitest';
import { EstateSchema } from '../../../functions/estate.js';

const parse = (checks: unknown[]) => EstateSchema.parse({ health: { checks } }).health?.checks ?? [];

describe('health config section', () => {
  it('fills defaults: failAfter 2, severity critical, timeout 10s, 2xx, connection thresholds 80 % / 95 %', () => {
    const [http, db] = parse([
      { name: 'api', kind: 'http', url: 'https://api.example/health' },
      { name: 'db', kind: 'postgres', url: 'postgres://db/app' },
    ]);
    expect(http).toMatchObject({ failAfter: 2, severity: 'critical', timeout: 10_000, method: 'GET', expect: {} });
    expect(db).toMatchObject({ connections: { warn: 0.8, fail: 0.95 } });
  });

  it('keeps a bad entry as an invalid check instead of rejecting the estate', () => {
    const checks = parse([
      { name: 'a', kind: 'tcp', host: 'kafka', port: 9092 },
      { name: 'a', kind: 'tcp', host: 'kafka', port: 9093 },
      { kind: 'ftp' },
      { name: 'q', kind: 'query', query: 'up' },
      'nonsense',
    ]);
    expect(checks.map((c) => (c.kind === 'invalid' ? `${c.name}: ${c.problem}` : c.name))).toEqual([
      'a',
      'a: duplicate check name "a"',
      'checks[2]: unknown check kind "ftp" (expected one of http, postgres, mysql, redis, redis-stream, tcp, query, platform)',
      'q: (root): expected "warn" or "fail"',
      'checks[4]: no kind (expected one of http, postgres, mysql, redis, redis-stream, tcp, query, platform)',
    ]);
  });

  it('still rejects a malformed section itself', () => {
    expect(() => EstateSchema.parse({ health: { concurrency: 0 } })).toThrow();
  });
});
