import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from '../../../../shared/core/audit/redactor.js';
import { literalSecrets } from '../../../../shared/core/config/literal-secrets.js';

describe('Redactor', () => {
  it('hides raw, URL-encoded and path forms of a secret URL', () => {
    const url = 'https://hooks.example.test/services/T000/B000/XXXX?x=1';
    const redactor = new Redactor();
    redactor.add(url, { url: true });
    redactor.add('key with space');
    const text = `posting ${url}; path /services/T000/B000/XXXX?x=1; ${encodeURIComponent('key with space')}`;
    const out = redactor.scrub(text);
    expect(out).not.toContain('T000/B000');
    expect(out).not.toContain('key%20with%20space');
    expect(out).toContain(REDACTED);
  });

  it('leaves text without secrets unchanged and ignores empty or tiny values', () => {
    const redactor = new Redactor(['s3cr3t-value', '', 'abc']);
    expect(redactor.scrub('HTTP 500: upstream abc')).toBe('HTTP 500: upstream abc');
  });

  it('hides only the password of a database URL, so the host stays readable', () => {
    const redactor = new Redactor(['postgres://app:pa%24%24word-1@db.internal:5432/main']);
    expect(redactor.scrub('cannot reach postgres://app:pa%24%24word-1@db.internal:5432/main')).toBe(
      `cannot reach postgres://app:${REDACTED}@db.internal:5432/main`,
    );
    expect(redactor.scrub('password was pa$$word-1')).toBe(`password was ${REDACTED}`);
  });

  it('hides the password of any URL and credential parameters, registered or not', () => {
    const redactor = new Redactor();
    expect(redactor.scrub('mysql://root:hunter2@10.0.0.1/ and redis://:tok@r:6379/0')).toBe(
      `mysql://root:${REDACTED}@10.0.0.1/ and redis://:${REDACTED}@r:6379/0`,
    );
    expect(redactor.scrub('postgres://h/db?sslmode=require&password=xyz1')).toBe(
      `postgres://h/db?sslmode=require&password=${REDACTED}`,
    );
  });

  it('scrubs every string of a nested value without touching the original', () => {
    const redactor = new Redactor(['Bearer tok-123456']);
    const value = {
      a: ['x', { header: 'Bearer tok-123456', n: 3, ok: true, none: null }],
      'Bearer tok-123456': 'key',
      at: new Date(0),
    };
    const out = redactor.scrubValue(value);
    expect(out).toEqual({
      a: ['x', { header: REDACTED, n: 3, ok: true, none: null }],
      [REDACTED]: 'key',
      at: new Date(0),
    });
    expect(value.a[1]).toEqual({ header: 'Bearer tok-123456', n: 3, ok: true, none: null });
  });

  it('hides HTML-escaped forms, as in a report page', () => {
    const redactor = new Redactor(['a<b>&"c"d']);
    expect(redactor.scrub('<td>a&lt;b&gt;&amp;&quot;c&quot;d</td>')).toBe(`<td>${REDACTED}</td>`);
  });
});

describe('literalSecrets', () => {
  it('finds URLs with passwords, webhook URLs and credential headers, not plain values', () => {
    const found = literalSecrets({
      state: { redis: 'redis://:redispw@127.0.0.1:6379/0' },
      databases: { a: { kind: 'postgres', url: 'postgres://u@h/db' }, b: { kind: 'mysql', url: { env: 'X' } } },
      notify: {
        channels: {
          hook: { type: 'webhook', url: 'https://hooks.example/abc', headers: { 'X-Token': 't0ken', Accept: 'json' } },
        },
      },
      endpoints: { run: { url: 'http://127.0.0.1:9000' } },
    });
    expect(found).toEqual([
      { value: 'redis://:redispw@127.0.0.1:6379/0', url: false },
      { value: 'https://hooks.example/abc', url: true },
      { value: 't0ken', url: false },
    ]);
  });
});
