import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { stripOwnership } from '../../../../shared/adapters/databases/ownership-filter.js';

const DUMP = [
  "SET client_encoding = 'LATIN1';",
  'CREATE TABLE public.t (id integer, note text);',
  'ALTER TABLE public.t OWNER TO app;',
  'COPY public.t (id, note) FROM stdin;',
  '1\tGRANT is data here',
  '2\tALTER TABLE x OWNER TO y',
  '3\tcaf\xe9',
  '\\.',
  '',
  'GRANT SELECT ON TABLE public.t TO reader;',
  'REVOKE ALL ON SCHEMA public FROM PUBLIC;',
  'ALTER DEFAULT PRIVILEGES FOR ROLE app GRANT ALL ON TABLES TO app;',
  'COPY public.empty (id) FROM stdin;',
  '\\.',
  'CREATE INDEX i ON public.t (id);',
  '',
].join('\n');
const EXPECTED = [
  "SET client_encoding = 'LATIN1';",
  'CREATE TABLE public.t (id integer, note text);',
  '',
  'COPY public.t (id, note) FROM stdin;',
  '1\tGRANT is data here',
  '2\tALTER TABLE x OWNER TO y',
  '3\tcaf\xe9',
  '\\.',
  '',
  '',
  '',
  '',
  'COPY public.empty (id) FROM stdin;',
  '\\.',
  'CREATE INDEX i ON public.t (id);',
  '',
].join('\n');

async function filtered(input: Buffer, chunk: number): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunk) pieces.push(input.subarray(i, i + chunk));
  return buffer(Readable.from(pieces).pipe(stripOwnership()));
}

describe('stripOwnership', () => {
  it.each([1, 2, 3, 5, 7, 64, 4096])(
    'empties owner and privilege lines, keeping line numbers, but never touches COPY data (chunks of %i bytes)',
    async (size) => {
      const out = await filtered(Buffer.from(DUMP, 'latin1'), size);
      expect(out.toString('latin1')).toBe(EXPECTED);
    },
  );
});
