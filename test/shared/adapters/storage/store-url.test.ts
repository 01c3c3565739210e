import { describe, expect, it } from 'vitest';
import { formatStoreUrl, parseStoreUrl } from '../../../../shared/adapters/storage/store-url.js';
import { BadInputError } from '../../../../shared/core/errors/ops-error.js';

describe('parseStoreUrl', () => {
  it.each([
    ['gs://prod-dumps/pg/daily/', { scheme: 'gs', bucket: 'prod-dumps', prefix: 'pg/daily/' }],
    ['s3://oss.bucket-1/mysql/', { scheme: 's3', bucket: 'oss.bucket-1', prefix: 'mysql/' }],
    ['s3://dumps', { scheme: 's3', bucket: 'dumps', prefix: '' }],
    ['gs://dumps/opsfn.yaml', { scheme: 'gs', bucket: 'dumps', prefix: 'opsfn.yaml' }],
    ['file:///var/backups/pg/', { scheme: 'file', bucket: '/var/backups/pg', prefix: '' }],
    ['file:///etc/opsfn/opsfn.yaml', { scheme: 'file', bucket: '/etc/opsfn', prefix: 'opsfn.yaml' }],
    ['file:///data%20dir/x', { scheme: 'file', bucket: '/data dir', prefix: 'x' }],
    ['file:///top', { scheme: 'file', bucket: '/', prefix: 'top' }],
  ])('parses %s', (url, expected) => {
    expect(parseStoreUrl(url)).toEqual(expected);
  });

  it.each([
    ['', /empty/],
    ['http://example.com/x', /unsupported scheme/],
    ['gs:///prefix', /valid bucket name/],
    ['s3://Upper/x', /valid bucket name/],
    ['s3://ab/x', /valid bucket name/],
    ['gs://bucket//abs', /must not start with "\/"/],
    ['file://remote-host/dir/', /absolute path/i],
    ['file:relative/dir/', /absolute path/i],
    ['file:///var/../etc/', /".."/],
    ['file:///var/x?y=1', /query/],
  ])('rejects %s naming the URL', (url, why) => {
    let caught: unknown;
    try {
      parseStoreUrl(url);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BadInputError);
    expect((caught as Error).message).toMatch(why);
    expect((caught as Error).message).toContain(`"${url}"`);
  });
});

describe('formatStoreUrl', () => {
  it('round-trips bucket URLs and file URLs', () => {
    expect(formatStoreUrl(parseStoreUrl('s3://b-1/p/'), 'k.gz')).toBe('s3://b-1/p/k.gz');
    expect(formatStoreUrl(parseStoreUrl('file:///var/backups/'), 'k.gz')).toBe('file:///var/backups/k.gz');
  });
});
