import { type JsonSchema, UNWRITTEN_MARK, type UnwrittenDefault } from './estate-json-schema.js';
import { parsesTo } from './named-types.js';
import type { Block, Row } from './schema-rows.js';

/** What the reference says of one key: its meaning, and its default when the schema cannot write it. */
export type ConfigNote = string | { text: string; default: unknown };

function noteKey(row: Row, notes: Readonly<Record<string, ConfigNote>>): string | undefined {
  const candidates = [row.form === undefined ? undefined : `${row.form}:${row.path}`, row.path];
  return candidates.find((key) => key !== undefined && key in notes);
}

function unwrittenOf(node: JsonSchema, unwritten: readonly UnwrittenDefault[]): UnwrittenDefault | undefined {
  const comment = node.$comment;
  if (typeof comment !== 'string' || !comment.startsWith(UNWRITTEN_MARK)) return undefined;
  return unwritten[Number(comment.slice(UNWRITTEN_MARK.length))];
}

function fillDefault(row: Row, note: ConfigNote | undefined, unwritten: readonly UnwrittenDefault[]): void {
  const missing = unwrittenOf(row.node, unwritten);
  const given = typeof note === 'object' ? note.default : undefined;
  if (!missing) {
    if (given !== undefined) throw new Error(`${row.path}: its note gives a default the schema already writes`);
    return;
  }
  if (given === undefined) {
    throw new Error(`${row.path}: its default cannot be written as YAML from the schema; give it in its note`);
  }
  if (!parsesTo(missing.inner, given, missing.value)) {
    throw new Error(`${row.path}: the note's default ${JSON.stringify(given)} is not the schema's default`);
  }
  row.node.default = given;
  delete row.node.$comment;
}

/**
 * Writes each note into the schema as the `description` of the key it names, `path` or `form:path` for
 * one form of a union only (`compose:services.<name>.project`), and the defaults only a note can write.
 * Throws naming a note no key matches (a note cannot outlive its key), a default neither the schema nor a
 * note writes, and a note's default that is not the schema's.
 */
export function applyNotes(
  blocks: readonly Block[],
  notes: Readonly<Record<string, ConfigNote>>,
  unwritten: readonly UnwrittenDefault[],
): void {
  const used = new Set<string>();
  for (const row of blocks.flatMap((block) => block.rows)) {
    const key = noteKey(row, notes);
    const note = key === undefined ? undefined : notes[key];
    if (key !== undefined && note !== undefined) {
      used.add(key);
      row.node.description = typeof note === 'string' ? note : note.text;
    }
    fillDefault(row, note, unwritten);
  }
  const stale = Object.keys(notes).filter((key) => !used.has(key));
  if (stale.length > 0) throw new Error(`config notes name keys the estate schema does not have: ${stale.join(', ')}`);
}
