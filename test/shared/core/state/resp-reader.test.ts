import { describe, expect, it } from 'vitest';
import {
  INCOMPLETE,
  RedisReplyError,
  RespProtocolError,
  RespReader,
  type RespReply,
} from '../../../../shared/core/state/resp-reader.js';

/** Every whole reply in `bytes`, fed in chunks of `size` bytes; what is left incomplete stays unread. */
function readAll(bytes: Buffer, size = bytes.length): RespReply[] {
  const reader = new RespReader();
  const replies: RespReply[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    reader.feed(bytes.subarray(at, at + size));
    for (let reply = reader.next(); reply !== INCOMPLETE; reply = reader.next()) replies.push(reply);
  }
  return replies;
}

const STREAM = Buffer.from(
  [
    '+OK\r\n',
    '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n',
    ':42\r\n',
    ':-2\r\n',
    '$11\r\ncafé ✓\r\n\r\n',
    '$0\r\n\r\n',
    '$-1\r\n',
    '*-1\r\n',
    '*0\r\n',
    '*3\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n-ERR inside\r\n',
  ].join(''),
);

/** A reply as plain data, each error reply as `{ error: message }` once it is checked to be a `RedisReplyError`. */
function plain(reply: RespReply): unknown {
  if (reply instanceof RedisReplyError) return { error: reply.message };
  return Array.isArray(reply) ? reply.map(plain) : reply;
}

/** Every whole reply in `bytes` as plain data, fed in the pieces that the ascending offsets `cuts` make. */
function readCut(bytes: Buffer, cuts: readonly number[]): unknown[] {
  const reader = new RespReader();
  const replies: unknown[] = [];
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    reader.feed(bytes.subarray(from, to));
    from = to;
    for (let reply = reader.next(); reply !== INCOMPLETE; reply = reader.next()) replies.push(plain(reply));
  }
  return replies;
}

/** Mulberry32: the same numbers in [0, 1) for the same seed, so a failing set of cuts can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const UTF8 = 'héllo wörld 日本語 🎉';
const BIG = `${'é✓🎉x'.repeat(7000)}end`; // 70,003 bytes, with characters of 2, 3 and 4 bytes to cut through

/** Replies on the wire and what each reads as; `*-1` and `$-1` both read as null. */
const SMALL_REPLIES: [string, unknown][] = [
  ['+OK\r\n', 'OK'],
  ['*3\r\n*2\r\n:1\r\n*2\r\n$1\r\na\r\n*0\r\n$-1\r\n*-1\r\n', [[1, ['a', []]], null, null]],
  [
    '*3\r\n-ERR inside\r\n+QUEUED\r\n*2\r\n-NOSCRIPT deeper\r\n:-7\r\n',
    [{ error: 'ERR inside' }, 'QUEUED', [{ error: 'NOSCRIPT deeper' }, -7]],
  ],
  ['$-1\r\n', null],
  ['*-1\r\n', null],
  ['$0\r\n\r\n', ''],
  ['*2\r\n$0\r\n\r\n$-1\r\n', ['', null]],
  [`$${Buffer.byteLength(UTF8)}\r\n${UTF8}\r\n`, UTF8],
  [`*2\r\n+${UTF8}\r\n-${UTF8}\r\n`, [UTF8, { error: UTF8 }]],
  ['$4\r\na\r\nb\r\n', 'a\r\nb'],
  ['-WRONGTYPE wrong kind\r\n', { error: 'WRONGTYPE wrong kind' }],
  [`${'*1\r\n'.repeat(32)}:0\r\n`, Array.from({ length: 32 }).reduce<unknown>((inner) => [inner], 0)],
  [':9007199254740991\r\n', 9007199254740991],
];
const LARGE_REPLIES: [string, unknown][] = [
  ...SMALL_REPLIES,
  [`$${Buffer.byteLength(BIG)}\r\n${BIG}\r\n`, BIG],
  [`*3\r\n$${Buffer.byteLength(BIG)}\r\n${BIG}\r\n*1\r\n$-1\r\n-ERR after\r\n`, [BIG, [null], { error: 'ERR after' }]],
  ...SMALL_REPLIES,
];
const SMALL = Buffer.from(SMALL_REPLIES.map(([wire]) => wire).join(''));
const LARGE = Buffer.from(LARGE_REPLIES.map(([wire]) => wire).join(''));

describe('RespReader', () => {
  it.each([
    ['one chunk', STREAM.length],
    ['one byte at a time', 1],
    ['chunks of 7 bytes', 7],
  ])('reads every RESP2 type from %s', (_label, size) => {
    const replies = readAll(STREAM, size);
    expect(replies).toHaveLength(10);
    const [ok, error, n, negative, bulk, empty, nullBulk, nullArray, none, nested] = replies;
    expect([ok, n, negative, bulk, empty, nullBulk, nullArray, none]).toEqual([
      'OK',
      42,
      -2,
      'café ✓\r\n',
      '',
      null,
      null,
      [],
    ]);
    expect(error).toBeInstanceOf(RedisReplyError);
    expect((error as Error).name).toBe('ReplyError');
    expect((error as Error).message).toBe('WRONGTYPE Operation against a key holding the wrong kind of value');
    expect(Array.isArray(nested) && nested.slice(0, 2)).toEqual([1, ['a', null]]);
    expect(Array.isArray(nested) && nested[2]).toBeInstanceOf(RedisReplyError);
  });

  it('waits for the whole of a large value and reads it across 64 KiB chunks', () => {
    const value = 'x'.repeat(4 * 1024 * 1024 - 3);
    const bytes = Buffer.from(`$${value.length}\r\n${value}\r\n:7\r\n`);
    const reader = new RespReader();
    const replies: RespReply[] = [];
    for (let at = 0; at < bytes.length; at += 64 * 1024) {
      reader.feed(bytes.subarray(at, at + 64 * 1024));
      const reply = reader.next();
      if (reply !== INCOMPLETE) replies.push(reply, reader.next() as RespReply);
    }
    expect(replies).toEqual([value, 7]);
    expect(reader.next()).toBe(INCOMPLETE);
  });

  it('reads nested arrays, nulls, errors, UTF-8 and a 70 KB bulk string the same however they are cut', () => {
    const small = SMALL_REPLIES.map(([, reply]) => reply);
    const large = LARGE_REPLIES.map(([, reply]) => reply);
    expect(readCut(SMALL, [])).toEqual(small);
    expect(readCut(LARGE, [])).toEqual(large);
    for (let at = 1; at < SMALL.length; at++) expect(readCut(SMALL, [at]), `cut at ${at}`).toEqual(small);
    expect(
      readCut(
        SMALL,
        Array.from({ length: SMALL.length - 1 }, (_, at) => at + 1),
      ),
    ).toEqual(small);
    const random = seeded(20240611);
    for (let round = 0; round < 300; round++) {
      const cuts = new Set<number>();
      // Mostly a few cuts anywhere, sometimes a run of tiny pieces (down to one byte) through a stretch.
      const count = 1 + Math.floor(random() * 60);
      for (let i = 0; i < count; i++) cuts.add(1 + Math.floor(random() * (LARGE.length - 1)));
      if (round % 10 === 0) {
        const start = Math.floor(random() * LARGE.length);
        for (let at = start; at < Math.min(LARGE.length, start + 2000); at += 1 + Math.floor(random() * 8))
          cuts.add(at);
      }
      const sorted = [...cuts].filter((at) => at > 0).sort((a, b) => a - b);
      expect(readCut(LARGE, sorted), `round ${round}`).toEqual(large);
    }
  });

  // The reader used to parse a pending reply again from its first byte on each chunk: quadratic, minutes for this.
  it('reads a 20,000-element array fed one element per chunk in time linear in its bytes', async ({ signal }) => {
    const count = 20_000;
    const values = Array.from({ length: count }, (_, i) => `element-${String(i).padStart(8, '0')}`);
    const reader = new RespReader();
    reader.feed(Buffer.from(`*${count}\r\n`));
    let reply = reader.next();
    let early = 0;
    for (let i = 0; i < count; i++) {
      if (reply !== INCOMPLETE) early++;
      reader.feed(Buffer.from(`$${values[i]!.length}\r\n${values[i]}\r\n`));
      reply = reader.next();
      // Let vitest's timer fire, so a reader that takes too long fails at the timeout, and stop once it has.
      if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
      if (signal.aborted) return;
    }
    expect(early).toBe(0);
    expect(reply).toEqual(values);
    expect(reader.next()).toBe(INCOMPLETE);
  }, 5_000);

  it('reads a 10,000-element array of 1 KiB values fed in 64 KiB chunks', () => {
    const value = 'v'.repeat(1024);
    const bytes = Buffer.from(`*10000\r\n${`$1024\r\n${value}\r\n`.repeat(10_000)}+NEXT\r\n`);
    const reader = new RespReader();
    const replies: RespReply[] = [];
    for (let at = 0; at < bytes.length; at += 64 * 1024) {
      reader.feed(bytes.subarray(at, at + 64 * 1024));
      for (let reply = reader.next(); reply !== INCOMPLETE; reply = reader.next()) replies.push(reply);
    }
    expect(replies).toHaveLength(2);
    expect(replies[0]).toHaveLength(10_000);
    expect((replies[0] as string[]).every((item) => item === value)).toBe(true);
    expect(replies[1]).toBe('NEXT');
  });

  it('keeps a partial reply until the rest arrives', () => {
    const reader = new RespReader();
    reader.feed(Buffer.from('*2\r\n$3\r\nfo'));
    expect(reader.next()).toBe(INCOMPLETE);
    reader.feed(Buffer.from('o\r\n'));
    expect(reader.next()).toBe(INCOMPLETE);
    reader.feed(Buffer.from(':1\r\n+NEXT'));
    expect(reader.next()).toEqual(['foo', 1]);
    expect(reader.next()).toBe(INCOMPLETE);
    reader.feed(Buffer.from('\r\n'));
    expect(reader.next()).toBe('NEXT');
  });

  it.each([
    ['an HTTP server', 'HTTP/1.1 400 Bad Request\r\n\r\n', /starts with byte 0x48/],
    ['a bulk string past 512 MB', '$999999999999\r\n', /bulk string of 999999999999 bytes/],
    ['a malformed integer', ':12a\r\n', /not a Redis integer: "12a"/],
    ['a bulk string longer than it says', '$3\r\nabcd\r\n', /not ended by CRLF/],
    ['a CR without LF', '+OK\rX', /CR without LF/],
    ['a negative array length', '*-5\r\n', /array of -5 elements/],
    ['a line that never ends', `+${'a'.repeat(70 * 1024)}`, /a line longer than 65536 bytes/],
    ['arrays nested 40 deep', `${'*1\r\n'.repeat(40)}:1\r\n`, /nested deeper than 32/],
  ])('refuses %s', (_label, bytes, message) => {
    const reader = new RespReader();
    reader.feed(Buffer.from(bytes));
    expect(() => reader.next()).toThrow(RespProtocolError);
    expect(() => reader.next()).toThrow(message);
  });

  it.each([
    ['a bulk string longer than it says', '*2\r\n:1\r\n$3\r\nabcd\r\n', /not ended by CRLF/],
    ['a CR without LF inside an array', '*2\r\n+OK\r\n+OK\rX', /CR without LF/],
    ['a bad type byte inside an array', '*2\r\n:1\r\n?1\r\n', /starts with byte 0x3f/],
    ['a line that never ends', `*1\r\n+${'a'.repeat(70 * 1024)}`, /a line longer than 65536 bytes/],
    ['arrays nested 40 deep', `${'*1\r\n'.repeat(40)}:1\r\n`, /nested deeper than 32/],
  ])('refuses %s fed one byte at a time, and keeps refusing', (_label, text, message) => {
    const bytes = Buffer.from(text);
    const reader = new RespReader();
    let at = 0;
    const readOn = () => {
      for (; at < bytes.length; at++) {
        reader.feed(bytes.subarray(at, at + 1));
        if (reader.next() !== INCOMPLETE) throw new Error(`a reply at byte ${at}`);
      }
    };
    expect(readOn).toThrow(message);
    expect(() => reader.next()).toThrow(RespProtocolError);
    expect(() => reader.next()).toThrow(message);
  });
});
