import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { restrictPsql } from '../../../../shared/adapters/databases/psql-restrict.js';

const KEY = 'kkkkkkkkkkkkkkkk0123456789abcdef';
const OWN = 'AzmpYpCTIhkffPR0rW0wmmD5c4I8wcEilU9466fmxuOT7VzrTqorLrpcM9MpNsM';
const DUMP = [
  '--',
  '-- PostgreSQL database dump',
  '--',
  '',
  `\\restrict ${OWN}`,
  '',
  'SET client_encoding = UTF8;',
  'COPY public.t (id, note) FROM stdin;',
  `1\t\\unrestrict ${OWN} is data`,
  '\\.',
  '-- PostgreSQL database dump complete',
  '',
  `\\unrestrict ${OWN}`,
  '',
].join('\n');

async function through(input: string, chunk: number): Promise<string> {
  const bytes = Buffer.from(input, 'latin1');
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) pieces.push(bytes.subarray(i, i + chunk));
  return (await buffer(Readable.from(pieces).pipe(restrictPsql(KEY)))).toString('latin1');
}

describe('restrictPsql', () => {
  it.each([1, 2, 3, 7, 64, 4096])(
    'restricts psql first and blanks only the dump’s own restrict lines, keeping line numbers (chunks of %i)',
    async (size) => {
      const out = await through(DUMP, size);
      const lines = out.split('\n');
      expect(lines[0]).toBe(`\\restrict ${KEY}`);
      expect(lines.slice(1)).toHaveLength(DUMP.split('\n').length);
      expect(lines[5]?.trim()).toBe('');
      expect(lines[13]?.trim()).toBe('');
      expect(lines[9]).toBe(`1\t\\unrestrict ${OWN} is data`);
      expect(out).not.toContain(`\\restrict ${OWN}`);
      expect(out.match(/\\unrestrict/g)).toHaveLength(1);
    },
  );

  it('leaves a dump without a restrict line as it is, after its own line', async () => {
    const out = await through('SELECT 1;\n\\! touch /tmp/x\n', 5);
    expect(out).toBe(`\\restrict ${KEY}\nSELECT 1;\n\\! touch /tmp/x\n`);
  });

  it('refuses a key a dump could guess', () => {
    expect(() => restrictPsql('abc')).toThrow(/at least 16/);
  });
});
