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
});
