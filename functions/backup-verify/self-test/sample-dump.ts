import { Readable } from 'node:stream';

/** Options of a generated plain pg_dump. */
export interface SampleDumpOptions {
  rows: number;
  table?: string;
  /** Leave the "dump complete" trailer off, as a dump cut short would. */
  withoutTrailer?: boolean;
}

const HEADER = `--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';
SET default_table_access_method = heap;
`;

const TRAILER = `
--
-- PostgreSQL database dump complete
--

`;

/**
 * Streams a plain-format pg_dump of one table (`id bigint`, `title text`) with `rows` rows, the way
 * `pg_dump` writes it: restorable by `psql`, and as large as wanted without holding it in memory.
 */
export function sampleDump(options: SampleDumpOptions): Readable {
  const table = options.table ?? 'conversations';
  const batch = 2_000;
  let next = 1;
  let stage: 'head' | 'rows' | 'tail' | 'done' = 'head';
  return new Readable({
    read() {
      if (stage === 'head') {
        stage = options.rows > 0 ? 'rows' : 'tail';
        this.push(
          `${HEADER}\nCREATE TABLE public.${table} (\n    id bigint NOT NULL,\n    title text NOT NULL\n);\n\n` +
            `COPY public.${table} (id, title) FROM stdin;\n`,
        );
        return;
      }
      if (stage === 'rows') {
        const end = Math.min(next + batch - 1, options.rows);
        const lines: string[] = [];
        for (let id = next; id <= end; id++)
          lines.push(`${id}\tconversation ${id} about order ${(id * 7919) % 100_003}`);
        next = end + 1;
        if (next > options.rows) stage = 'tail';
        this.push(lines.length > 0 ? `${lines.join('\n')}\n` : '');
        return;
      }
      if (stage === 'tail') {
        stage = 'done';
        const pk = `\nALTER TABLE ONLY public.${table}\n    ADD CONSTRAINT ${table}_pkey PRIMARY KEY (id);\n`;
        this.push(`\\.\n\n${pk}${options.withoutTrailer ? '' : TRAILER}`);
        return;
      }
      this.push(null);
    },
  });
}
