import { describe, expect, it } from 'vitest';
import { parseRedisUrl, redisUrlProblem } from '../../../../shared/core/config/redis-url.js';
import { StateConfigSchema } from '../../../../shared/core/config/sections/estate-common.js';
import { formatZodIssues } from '../../../../shared/core/config/zod-issues.js';

describe('parseRedisUrl', () => {
  it.each([
    ['redis://127.0.0.1', { host: '127.0.0.1', port: 6379, tls: false, db: 0 }],
    ['rediss://10.0.0.3:6378/2', { host: '10.0.0.3', port: 6378, tls: true, db: 2 }],
    ['redis://:auth%2Fstring@[::1]:7000/', { host: '::1', port: 7000, tls: false, db: 0, password: 'auth/string' }],
    [
      'redis://default:pw@cache.internal',
      { host: 'cache.internal', port: 6379, tls: false, db: 0, username: 'default', password: 'pw' },
    ],
  ])('reads %s', (url, endpoint) => {
    expect(parseRedisUrl(url)).toEqual(endpoint);
  });

  it.each([
    ['redis://:secret@host/db1', /the path must be a database number, as \/0/],
    ['redis://:secret@host/0?tls=true&password=x', /options in the URL are not supported \(tls, password\)/],
    ['redis://:secret@', /names no host|is not a URL/],
    ['redis://:%E0%A4%A@host', /the password is not percent-encoded correctly/],
    ['http://host', /is not a redis:\/\/ or rediss:\/\/ URL/],
  ])('refuses %s without repeating the password', (url, message) => {
    expect(() => parseRedisUrl(url)).toThrow(message);
    expect(() => parseRedisUrl(url)).not.toThrow(/secret|%E0/);
  });
});

describe('state.redis in the config', () => {
  it('names what is wrong with a literal URL when the config is read, not at the first request', () => {
    const parsed = StateConfigSchema.safeParse({ redis: 'redis://:secret@10.0.0.3:6379/zero' });
    expect(parsed.success).toBe(false);
    const messages = parsed.success ? [] : formatZodIssues(parsed.error);
    expect(messages.join('\n')).toContain('redis://10.0.0.3:6379/zero: the path must be a database number, as /0');
    expect(messages.join('\n')).not.toContain('secret');
  });

  it('says a wrong scheme once', () => {
    const parsed = StateConfigSchema.safeParse({ redis: 'http://cache:6379' });
    expect(parsed.success ? [] : formatZodIssues(parsed.error)).toEqual(['redis: expected redis:// URL']);
  });

  it('accepts a well-formed URL and a secret reference', () => {
    expect(redisUrlProblem('rediss://:pw@10.0.0.3:6378')).toBeUndefined();
    expect(StateConfigSchema.safeParse({ redis: 'rediss://:pw@10.0.0.3:6378' }).success).toBe(true);
    expect(StateConfigSchema.safeParse({ redis: { env: 'OPSFN_REDIS_URL' } }).success).toBe(true);
  });
});
