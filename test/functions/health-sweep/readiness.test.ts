import { describe, expect, it } from 'vitest';
import { parseReadiness } from '../../../functions/health-sweep/checks/readiness.js';

describe('parseReadiness', () => {
  it.each([
    [
      'Spring Boot actuator components',
      {
        status: 'DOWN',
        components: { db: { status: 'UP', details: { database: 'PostgreSQL' } }, redis: { status: 'DOWN' } },
      },
      ['db:up', 'redis:down'],
    ],
    ['Spring Boot 2.1 details', { status: 'UP', details: { diskSpace: { status: 'UP' } } }, ['diskSpace:up']],
    [
      'MicroProfile Health checks[]',
      {
        status: 'DOWN',
        checks: [
          { name: 'database', status: 'UP' },
          { name: 'kafka', status: 'DOWN' },
        ],
      },
      ['database:up', 'kafka:down'],
    ],
    [
      'a dependency map of words',
      { status: 'degraded', dependencies: { postgres: 'ok', eventStreamConsumer: 'down' } },
      ['postgres:up', 'eventStreamConsumer:down'],
    ],
    ['booleans', { status: 'ok', checks: { redis: true, kafka: false } }, ['redis:up', 'kafka:down']],
    ['UNKNOWN is not down', { status: 'UP', components: { ping: { status: 'UNKNOWN' } } }, ['ping:unknown']],
  ])('reads %s', (_shape, body, expected) => {
    const parsed = parseReadiness(JSON.stringify(body));
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.dependencies.map((d) => `${d.name}:${d.state}`)).toEqual(expected);
  });

  it.each([
    ['<html>oops</html>', 'malformed readiness body: not JSON'],
    ['[1,2]', 'malformed readiness body: not a JSON object'],
    ['{"hello":"world"}', 'malformed readiness body: no status and no dependency list'],
  ])('refuses %s', (body, error) => {
    expect(parseReadiness(body)).toEqual({ error });
  });
});
