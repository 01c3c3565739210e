import { Transform, type TransformCallback } from 'node:stream';

/** The dump bytes searched for pg_dump's own `\restrict KEY` line: it writes it within the first few lines. */
const HEAD_BYTES = 64 * 1024;
const SPACE = 0x20;
const OWN_RESTRICT = /^\\restrict ([A-Za-z0-9]+)[ \t\r]*$/m;

/**
 * Puts psql into `\restrict <key>` mode before the first byte of the dump, so every backslash
 * command of the dump (`\!`, `\o`, `\connect`, `\getenv`…) is refused; the key is random per restore,
 * so the dump cannot lift it. A recent pg_dump wraps its output in `\restrict K` … `\unrestrict K`
 * itself; those two lines are blanked (same length, so line numbers hold). Everything else passes
 * through as it came: the trailer is found with a native byte search, never a per-line parse.
 */
export function restrictPsql(key: string): Transform {
  if (!/^[A-Za-z0-9]{16,}$/.test(key)) throw new RangeError('a \\restrict key is at least 16 letters or digits');
  let head: Buffer[] | undefined = [];
  let headBytes = 0;
  let trailer: Buffer | undefined;
  // The previous chunk, kept until the next one shows whether the trailer straddles them.
  let held: Buffer | undefined;

  const pass = (stream: Transform, chunk: Buffer) => {
    let next = trailer ? blankWithin(chunk, trailer) : chunk;
    if (held && trailer) [held, next] = blankAcross(held, next, trailer);
    if (held) stream.push(held);
    held = next;
  };

  const openHead = (stream: Transform) => {
    const bytes = Buffer.concat(head ?? []);
    head = undefined;
    stream.push(Buffer.from(`\\restrict ${key}\n`, 'latin1'));
    const own = OWN_RESTRICT.exec(bytes.toString('latin1'));
    if (own?.[1] !== undefined) {
      bytes.fill(SPACE, own.index, own.index + own[0].trimEnd().length);
      trailer = Buffer.from(`\n\\unrestrict ${own[1]}`, 'latin1');
    }
    if (bytes.length > 0) pass(stream, bytes);
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      if (head) {
        head.push(chunk);
        headBytes += chunk.length;
        if (headBytes >= HEAD_BYTES) openHead(this);
      } else pass(this, chunk);
      done();
    },
    flush(done: TransformCallback) {
      if (head) openHead(this);
      if (held) this.push(held);
      done();
    },
  });
}

/** `chunk` with every whole `\n<trailer>` in it blanked after its line end; copied only when one is there. */
function blankWithin(chunk: Buffer, trailer: Buffer): Buffer {
  let at = chunk.indexOf(trailer);
  if (at < 0) return chunk;
  const copy = Buffer.from(chunk);
  while (at >= 0) {
    copy.fill(SPACE, at + 1, at + trailer.length);
    at = copy.indexOf(trailer, at + trailer.length);
  }
  return copy;
}

/** Blanks a trailer that starts in `a` and ends in `b`. */
function blankAcross(a: Buffer, b: Buffer, trailer: Buffer): [Buffer, Buffer] {
  const tail = Math.min(trailer.length - 1, a.length);
  const seam = Buffer.concat([a.subarray(a.length - tail), b.subarray(0, trailer.length - 1)]);
  const at = seam.indexOf(trailer);
  if (at < 0 || at + trailer.length <= tail) return [a, b];
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  for (let i = at + 1; i < at + trailer.length; i++) {
    if (i < tail) left[a.length - tail + i] = SPACE;
    else right[i - tail] = SPACE;
  }
  return [left, right];
}
