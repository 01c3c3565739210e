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

/**
 * Reads RESP2 replies (redis.io/docs/latest/develop/reference/protocol-spec) out of a byte stream in
 * whatever chunks TCP delivers them. Chunks are joined only once the bytes a reply needs have all
 * arrived, so a 4 MiB value in 64 KiB chunks is copied once, not once per chunk.
 */
export class RespReader {
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Bytes that must be buffered before parsing is worth another try. */
  #need = 1;
  #buf: Buffer = Buffer.alloc(0);
  #at = 0;

  /** Adds bytes from the socket. */
  feed(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /** The next whole reply, or `INCOMPLETE`; throws `RespProtocolError` on bytes that are not RESP2. */
  next(): RespReply | typeof INCOMPLETE {
    if (this.#buffered < this.#need) return INCOMPLETE;
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks, this.#buffered)];
    this.#buf = this.#chunks[0] ?? Buffer.alloc(0);
    this.#at = 0;
    const reply = this.#read(0);
    if (reply === INCOMPLETE) return INCOMPLETE;
    const rest = this.#buf.subarray(this.#at);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    this.#need = 1;
    return reply;
  }

  #read(depth: number): RespReply | typeof INCOMPLETE {
    const type = this.#buf[this.#at];
    const line = this.#line();
    if (line === INCOMPLETE) return INCOMPLETE;
    switch (type) {
      case 0x2b: // +
        return line;
      case 0x2d: // -
        return new RedisReplyError(line);
      case 0x3a: // :
        return this.#integer(line);
      case 0x24: // $
        return this.#bulk(this.#integer(line));
      case 0x2a: // *
        return this.#array(this.#integer(line), depth);
      default:
        throw new RespProtocolError(
          `not a Redis reply: it starts with byte 0x${(type ?? 0).toString(16).padStart(2, '0')}`,
        );
    }
  }

  /** The rest of the current line after its type byte; moves past its CRLF. */
  #line(): string | typeof INCOMPLETE {
    const end = this.#buf.indexOf(CR, this.#at);
    if (end === -1 || end + 1 >= this.#buf.length) {
      // Redis's lines are a status, an error or a length; kilobytes without an end mean the peer is not Redis.
      if (this.#buf.length - this.#at > MAX_LINE_BYTES)
        throw new RespProtocolError(`a line longer than ${MAX_LINE_BYTES} bytes`);
      return this.#short(this.#buf.length + 1);
    }
    if (this.#buf[end + 1] !== LF) throw new RespProtocolError('a line ending in CR without LF');
    const text = this.#buf.toString('utf8', this.#at + 1, end);
    this.#at = end + 2;
    return text;
  }

  #integer(text: string): number {
    if (!/^-?\d{1,19}$/.test(text)) throw new RespProtocolError(`not a Redis integer: "${text.slice(0, 40)}"`);
    return Number(text);
  }

  #bulk(length: number): string | null | typeof INCOMPLETE {
    if (length === -1) return null;
    if (length < 0 || length > MAX_BULK_BYTES) throw new RespProtocolError(`bulk string of ${length} bytes`);
    const end = this.#at + length;
    if (end + 2 > this.#buf.length) return this.#short(end + 2);
    if (this.#buf[end] !== CR || this.#buf[end + 1] !== LF)
      throw new RespProtocolError(`bulk string of ${length} bytes not ended by CRLF`);
    const text = this.#buf.toString('utf8', this.#at, end);
    this.#at = end + 2;
    return text;
  }

  #array(length: number, depth: number): RespReply[] | null | typeof INCOMPLETE {
    if (length === -1) return null;
    if (length < 0) throw new RespProtocolError(`array of ${length} elements`);
    if (depth >= MAX_DEPTH) throw new RespProtocolError(`arrays nested deeper than ${MAX_DEPTH}`);
    const items: RespReply[] = [];
    for (let i = 0; i < length; i++) {
      const item = this.#read(depth + 1);
      if (item === INCOMPLETE) return INCOMPLETE;
      items.push(item);
    }
    return items;
  }

  #short(need: number): typeof INCOMPLETE {
    this.#need = need;
    return INCOMPLETE;
  }
}
