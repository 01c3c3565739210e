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
  it.each([64, 4096])(
    'streams a schema line longer than it holds, and still empties a long privilege line (chunks of %i bytes)',
    async (size) => {
      const insert = `INSERT INTO public.t VALUES (1, '${'x'.repeat(20_000)}');`;
      const grant = `GRANT SELECT ON TABLE ${Array.from({ length: 3000 }, (_, i) => `public.t${i}`).join(', ')} TO reader;`;
      const input = [
        'CREATE TABLE public.t (id integer, note text);',
        insert,
        grant,
        'CREATE INDEX i ON public.t (id);',
        '',
      ];
      const pieces: Buffer[] = [];
      const bytes = Buffer.from(input.join('\n'), 'latin1');
      for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
      const out = await buffer(Readable.from(pieces).pipe(stripOwnership({ holdLineBytes: 1024 })));
      expect(out.toString('latin1')).toBe([input[0], insert, '', input[3], ''].join('\n'));
    },
  );

  it('holds no more than its bound of a line that never ends', async () => {
    const filter = stripOwnership({ holdLineBytes: 1024 });
    let passed = 0;
    filter.on('data', (chunk: Buffer) => {
      passed += chunk.length;
    });
    for (let i = 0; i < 64; i++) filter.write(Buffer.alloc(64 * 1024, 0x61));
    await new Promise((resolve) => setImmediate(resolve));
    // All but what arrived before the bound was passed was handed on at once, not gathered.
    expect(passed).toBe(64 * 64 * 1024);
    filter.end();
  });

  it.each([1, 2, 3, 5, 7, 64, 4096])(
    'empties owner and privilege lines, keeping line numbers, but never touches COPY data (chunks of %i bytes)',
    async (size) => {
      const out = await filtered(Buffer.from(DUMP, 'latin1'), size);
      expect(out.toString('latin1')).toBe(EXPECTED);
    },
  );
});
