/** A reply Redis sent as an error (`-ERR …`, `-NOSCRIPT …`, `-WRONGPASS …`): the server answered and refused. */
export class RedisReplyError extends Error {
  override readonly name = 'ReplyError';
}

/** The server broke the protocol (a byte no reply starts with, a reply nobody asked for, a hostile size). */
export class RespProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/** One RESP2 reply: a simple or bulk string, an integer, a null, or an array of replies (which may hold errors). */
export type RespReply = string | number | null | RedisReplyError | RespReply[];

/** The reply as an integer; a reply of another kind throws `RespProtocolError`. */
export function replyInteger(reply: RespReply): number {
  if (typeof reply !== 'number') throw new RespProtocolError(`expected an integer reply, got ${describeReply(reply)}`);
  return reply;
}

/** The reply as a string or null; a reply of another kind throws `RespProtocolError`. */
export function replyText(reply: RespReply): string | null {
  if (typeof reply !== 'string' && reply !== null) {
    throw new RespProtocolError(`expected a string reply, got ${describeReply(reply)}`);
  }
  return reply;
}

/** The reply as an array; a reply of another kind throws `RespProtocolError`. */
export function replyArray(reply: RespReply): RespReply[] {
  if (!Array.isArray(reply)) throw new RespProtocolError(`expected an array reply, got ${describeReply(reply)}`);
  return reply;
}

function describeReply(reply: RespReply): string {
  if (reply === null) return 'null';
  if (Array.isArray(reply)) return 'an array';
  return typeof reply === 'object' ? 'an error' : `a ${typeof reply}`;
}

/** Returned by `RespReader.next` while the buffered bytes do not yet hold a whole reply. */
export const INCOMPLETE: unique symbol = Symbol('incomplete');

/** Redis's own ceiling on a bulk string (`proto-max-bulk-len`, 512 MB by default). */
const MAX_BULK_BYTES = 512 * 1024 * 1024;
/** Deeper than any reply the state store asks for; a server sending more is broken or hostile. */
const MAX_DEPTH = 32;
const MAX_LINE_BYTES = 64 * 1024;
const CR = 0x0d;
const LF = 0x0a;

/** An array whose header has been read, with the elements that have arrived so far. */
interface OpenArray {
  readonly items: RespReply[];
  readonly length: number;
}

/** Returned by `#value` for an array header with elements still to come: the array is now open on the stack. */
const OPENED: unique symbol = Symbol('opened');
const EMPTY = Buffer.alloc(0);

/**
 * Reads RESP2 replies (redis.io/docs/latest/develop/reference/protocol-spec) out of a byte stream in
 * whatever chunks TCP delivers them. The parse resumes where the last call stopped, so the work done is
 * linear in the bytes received however a reply is cut: the chunks stay in a list, each value (a line, or
 * a bulk string's body) is taken off its front as soon as all its bytes are there, and the arrays it
 * belongs to wait half built on a stack. Only the bytes of one value that spans chunks are joined, so a
 * 4 MiB value in 64 KiB chunks is copied once, and a 10 MB array reply is never copied whole.
 */
export class RespReader {
  /** Unread bytes: `#chunks[#head]` from `#off`, then the chunks after it. */
  #chunks: Buffer[] = [];
  #head = 0;
  #off = 0;
  #buffered = 0;
  /** How far the search for the current line's CR has got: chunk index, offset in it, bytes from the line start. */
  #scanChunk = 0;
  #scanOff = 0;
  #scanned = 0;
  /** The length of the bulk string whose header has been read and whose body has not, or -1. */
  #bulk = -1;
  /** Where the bytes the last `#take` returned start in its buffer. */
  #from = 0;
  /** The arrays the next value belongs to, innermost last. */
  #open: OpenArray[] = [];
  /** The reader cannot go on past bytes that are not RESP2, so every later call throws the same error. */
  #failure: Error | undefined;

  /** Adds bytes from the socket. */
  feed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /** The next whole reply, or `INCOMPLETE`; throws `RespProtocolError` on bytes that are not RESP2. */
  next(): RespReply | typeof INCOMPLETE {
    if (this.#failure !== undefined) throw this.#failure;
    try {
      return this.#next();
    } catch (error) {
      this.#failure = error as Error;
      throw error;
    }
  }

  #next(): RespReply | typeof INCOMPLETE {
    for (;;) {
      let reply = this.#value();
      if (reply === INCOMPLETE) return INCOMPLETE;
      if (reply === OPENED) continue;
      // A whole value completes the array it belongs to, perhaps with it the arrays around that, perhaps the reply.
      for (;;) {
        const array = this.#open[this.#open.length - 1];
        if (array === undefined) return reply;
        array.items.push(reply);
        if (array.items.length < array.length) break;
        this.#open.pop();
        reply = array.items;
      }
    }
  }

  /** The next value, or `OPENED` for the header of an array with elements to come; consumes its bytes. */
  #value(): RespReply | typeof OPENED | typeof INCOMPLETE {
    if (this.#bulk >= 0) return this.#bulkBody();
    const end = this.#lineEnd();
    if (end === INCOMPLETE) return INCOMPLETE;
    const bytes = this.#take(end + 2);
    const from = this.#from;
    const type = bytes[from];
    const line = bytes.toString('utf8', from + 1, from + end);
    switch (type) {
      case 0x2b: // +
        return line;
      case 0x2d: // -
        return new RedisReplyError(line);
      case 0x3a: // :
        return this.#integer(line);
      case 0x24: {
        // $
        const length = this.#integer(line);
        if (length === -1) return null;
        if (length < 0 || length > MAX_BULK_BYTES) throw new RespProtocolError(`bulk string of ${length} bytes`);
        this.#bulk = length;
        return this.#bulkBody();
      }
      case 0x2a: {
        // *
        const length = this.#integer(line);
        if (length === -1) return null;
        if (length < 0) throw new RespProtocolError(`array of ${length} elements`);
        if (this.#open.length >= MAX_DEPTH) throw new RespProtocolError(`arrays nested deeper than ${MAX_DEPTH}`);
        if (length === 0) return [];
        this.#open.push({ items: [], length });
        return OPENED;
      }
      default:
        throw new RespProtocolError(
          `not a Redis reply: it starts with byte 0x${(type ?? 0).toString(16).padStart(2, '0')}`,
        );
    }
  }

  /**
   * Where the CR ending the line at the front of the unread bytes is, counted from the line's type byte, once
   * its LF has arrived too. The search goes on from where the last one stopped, so no byte is looked at twice.
   */
  #lineEnd(): number | typeof INCOMPLETE {
    const chunks = this.#chunks;
    while (this.#scanChunk < chunks.length) {
      const chunk = chunks[this.#scanChunk]!;
      const cr = chunk.indexOf(CR, this.#scanOff);
      if (cr === -1) {
        this.#scanned += chunk.length - this.#scanOff;
        this.#scanChunk++;
        this.#scanOff = 0;
        continue;
      }
      // Stop on the CR, so that when its LF is still to come the next search finds it again at once.
      this.#scanned += cr - this.#scanOff;
      this.#scanOff = cr;
      const after = cr + 1 < chunk.length ? chunk[cr + 1] : chunks[this.#scanChunk + 1]?.[0];
      if (after === undefined) break;
      if (after !== LF) throw new RespProtocolError('a line ending in CR without LF');
      return this.#scanned;
    }
    // Redis's lines are a status, an error or a length; kilobytes without an end mean the peer is not Redis.
    if (this.#buffered > MAX_LINE_BYTES) throw new RespProtocolError(`a line longer than ${MAX_LINE_BYTES} bytes`);
    return INCOMPLETE;
  }

  #integer(text: string): number {
    if (!/^-?\d{1,19}$/.test(text)) throw new RespProtocolError(`not a Redis integer: "${text.slice(0, 40)}"`);
    return Number(text);
  }

  /** The body of the bulk string whose header has been read, once all of it and its CRLF have arrived. */
  #bulkBody(): string | typeof INCOMPLETE {
    const length = this.#bulk;
    if (this.#buffered < length + 2) return INCOMPLETE;
    const bytes = this.#take(length + 2);
    const end = this.#from + length;
    if (bytes[end] !== CR || bytes[end + 1] !== LF)
      throw new RespProtocolError(`bulk string of ${length} bytes not ended by CRLF`);
    this.#bulk = -1;
    return bytes.toString('utf8', this.#from, end);
  }

  /**
   * Removes the first `count` unread bytes (all buffered) and returns a buffer holding them from `#from` on: the
   * chunk they lie in, or when they span chunks a copy of just them.
   */
  #take(count: number): Buffer {
    const chunks = this.#chunks;
    const first = chunks[this.#head]!;
    let bytes: Buffer;
    if (first.length - this.#off >= count) {
      bytes = first;
      this.#from = this.#off;
      this.#off += count;
    } else {
      const pieces: Buffer[] = [];
      let left = count;
      while (left > 0) {
        const chunk = chunks[this.#head]!;
        const piece = chunk.subarray(this.#off, this.#off + left);
        pieces.push(piece);
        left -= piece.length;
        this.#off += piece.length;
        if (this.#off === chunk.length && left > 0) this.#dropHead();
      }
      bytes = Buffer.concat(pieces, count);
      this.#from = 0;
    }
    if (this.#off === chunks[this.#head]!.length) this.#dropHead();
    this.#buffered -= count;
    if (this.#head === chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    } else if (this.#head >= 64 && this.#head * 2 >= chunks.length) {
      // Forget read chunks in one go once they are most of the list, so each is moved at most once on average.
      this.#chunks = chunks.slice(this.#head);
      this.#head = 0;
    }
    this.#scanChunk = this.#head;
    this.#scanOff = this.#off;
    this.#scanned = 0;
    return bytes;
  }

  /** Moves past the front chunk, all of it read, and lets it go. */
  #dropHead(): void {
    this.#chunks[this.#head] = EMPTY;
    this.#head++;
    this.#off = 0;
  }
}
