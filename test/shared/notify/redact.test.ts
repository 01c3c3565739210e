import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../../shared/notify/redact.js';

describe('createRedactor', () => {
  it('hides raw, URL-encoded and path forms of a secret URL', () => {
    const url = 'https://hooks.example.test/services/T000/B000/XXXX?x=1';
    const redact = createRedactor([url, 'key with space']);
    const text = `posting ${url}; path /services/T000/B000/XXXX?x=1; ${encodeURIComponent('key with space')}`;
    const out = redact(text);
    expect(out).not.toContain('T000/B000');
    expect(out).not.toContain('key%20with%20space');
    expect(out).toContain('[redacted]');
  });

  it('leaves text without secrets unchanged', () => {
    expect(createRedactor(['s3cr3t-value'])('HTTP 500: upstream')).toBe('HTTP 500: upstream');
  });

  it('ignores empty secrets', () => {
    expect(createRedactor([''])('abc')).toBe('abc');
  });
});
