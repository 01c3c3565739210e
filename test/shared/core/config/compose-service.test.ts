import { describe, expect, it } from 'vitest';
import { EstateSchema } from '../../../../functions/estate.js';

const service = {
  platform: 'compose',
  project: 'exchange',
  service: 'gateway',
  files: ['/srv/exchange/docker-compose.yml'],
};
const issues = (input: unknown) =>
  EstateSchema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

describe('compose services and probe error rates in the estate', () => {
  it('accepts a compose service with an image variable and an env file', () => {
    const estate = EstateSchema.parse({
      services: { gateway: { ...service, imageVariable: 'APP_VERSION', envFile: '/srv/exchange/prod.env' } },
    });
    expect(estate.services.gateway).toMatchObject({ platform: 'compose', imageVariable: 'APP_VERSION' });
  });

  it.each([
    [{ ...service, project: 'Exchange Prod' }, 'services.gateway.project: expected a compose project name'],
    [{ ...service, files: ['docker-compose.yml'] }, 'services.gateway.files.0: expected an absolute path'],
    [{ ...service, imageVariable: 'APP-VERSION' }, 'services.gateway.imageVariable: expected an environment variable'],
    [{ ...service, dockerHost: 'ssh://host' }, 'services.gateway.dockerHost: expected unix:///path'],
  ])('names what is wrong with a bad compose service (%#)', (bad, message) => {
    expect(issues({ services: { gateway: bad } }).join('\n')).toContain(message);
  });

  it('takes a probe as the error-rate source and refuses minRequests above its samples', () => {
    const policy = (errorRate: Record<string, unknown>) => ({
      services: { gateway: service },
      rollback: { policies: [{ match: { alert: 'HighErrorRate' }, service: 'gateway', errorRate }] },
    });
    const probe = { url: 'http://gateway:8080/health', samples: 20 };
    // A probe samples in real time: a window of 1m and the default 3m settle twice fit in the 9m run.
    expect(issues(policy({ threshold: '5%', window: '1m', minRequests: 20, probe }))).toEqual([]);
    expect(issues(policy({ threshold: '5%', probe })).join('\n')).toContain(
      'rollback.policies.0.errorRate.minRequests: expected minRequests at most probe.samples',
    );
    expect(issues(policy({ threshold: '5%', minRequests: 0, probe, query: 'up' })).join('\n')).toContain(
      'give either "query" or "probe"',
    );
  });
});
