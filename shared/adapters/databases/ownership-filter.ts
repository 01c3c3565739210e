import { Transform, type TransformCallback } from 'node:stream';

const COPY_END = Buffer.from('\n\\.\n');
const DROP = /^(ALTER\s.*\sOWNER TO\s|GRANT\s|REVOKE\s|ALTER DEFAULT PRIVILEGES\s)/;
const COPY_START = /^COPY\s.*\sFROM stdin;$/;
/** How much of one schema line is held to be judged whole; a longer one (an INSERT of a large value) streams. */
const HOLD_LINE_BYTES = 1024 * 1024;

/**
 * A plain pg_dump filter with the effect of `pg_restore --no-owner --no-acl`: empties `ALTER … OWNER TO`,
 * `GRANT`, `REVOKE` and `ALTER DEFAULT PRIVILEGES` lines so a scratch server without the production
 * roles can restore the dump; the line ends stay, so psql's line numbers are the dump's. COPY data passes through as bytes, scanned natively for its `\.`
 * terminator only, so the filter costs little on row-heavy dumps; text is handled as latin1, which
 * round-trips every byte whatever the dump's encoding.
 */
export function stripOwnership(options: { holdLineBytes?: number } = {}): Transform {
  const hold = options.holdLineBytes ?? HOLD_LINE_BYTES;
  let inCopy = false;
  // Schema text (latin1) waiting for its line end; COPY data never waits here.
  let pending = '';
  // A schema line longer than `hold`, judged by its start and streamed (or dropped) to its end.
  let longLine: 'pass' | 'drop' | undefined;
  // The last bytes of COPY data already passed on, so a terminator split across chunks is found.
  let copyTail = Buffer.alloc(0);

  /** Filters whole schema lines; returns what follows a COPY header when one starts the data. */
  const schemaLines = (text: string, push: (s: string) => void): string => {
    let start = 0;
    while (true) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) return text.slice(start);
      const line = text.slice(start, nl);
      start = nl + 1;
      if (DROP.test(line)) {
        push('\n');
        continue;
      }
      push(`${line}\n`);
      if (COPY_START.test(line)) {
        inCopy = true;
        copyTail = Buffer.from('\n');
        return text.slice(start);
      }
    }
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      const push = (s: string) => this.push(Buffer.from(s, 'latin1'));
      let buf = chunk;
      while (buf.length > 0) {
        if (inCopy) {
          const head = Buffer.concat([copyTail, buf.subarray(0, COPY_END.length - 1)]);
          const across = head.indexOf(COPY_END);
          const inside = across >= 0 ? -1 : buf.indexOf(COPY_END);
          const cut =
            across >= 0 ? across + COPY_END.length - copyTail.length : inside >= 0 ? inside + COPY_END.length : -1;
          if (cut < 0) {
            this.push(buf);
            copyTail = Buffer.from(Buffer.concat([copyTail, buf]).subarray(-(COPY_END.length - 1)));
            break;
          }
          this.push(buf.subarray(0, cut));
          inCopy = false;
          buf = buf.subarray(cut);
          continue;
        }
        if (longLine !== undefined) {
          const end = buf.indexOf(0x0a);
          if (end < 0) {
            if (longLine === 'pass') this.push(buf);
            break;
          }
          if (longLine === 'pass') this.push(buf.subarray(0, end + 1));
          else push('\n');
          longLine = undefined;
          buf = buf.subarray(end + 1);
          continue;
        }
        const nl = buf.lastIndexOf(0x0a);
        if (nl < 0) {
          pending += buf.toString('latin1');
          if (pending.length > hold) {
            // No statement the filter drops or acts on is this long: its start decides, the rest streams.
            longLine = DROP.test(pending) ? 'drop' : 'pass';
            if (longLine === 'pass') push(pending);
            pending = '';
          }
          break;
        }
        const rest = schemaLines(pending + buf.toString('latin1', 0, nl + 1), push);
        pending = '';
        // Either nothing is left (the text ended on a line end) or a COPY block began inside it.
        buf = Buffer.concat([Buffer.from(rest, 'latin1'), buf.subarray(nl + 1)]);
        if (!inCopy) {
          pending = buf.toString('latin1');
          break;
        }
      }
      done();
    },
    flush(done: TransformCallback) {
      if (longLine === undefined && pending !== '' && !DROP.test(pending)) this.push(Buffer.from(pending, 'latin1'));
      done();
    },
  });
}
