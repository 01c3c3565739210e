import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/run.js';

describe('npm run bench arguments', () => {
  it('passes a valued flag on with its value, takes --node apart and keeps the rest as name filters', () => {
    expect(parseBenchArgs(['cold-start', '--runs', '9', '--node', '22', '--smoke'])).toEqual({
      flags: ['--runs', '9', '--smoke'],
      filters: ['cold-start'],
      node: '22',
    });
    expect(parseBenchArgs(['--node=22.11.0', 'cert'])).toEqual({ flags: [], filters: ['cert'], node: '22.11.0' });
    expect(() => parseBenchArgs(['--runs'])).toThrow('--runs takes a value');
    expect(() => parseBenchArgs(['--node'])).toThrow('--node takes a version');
  });
});
