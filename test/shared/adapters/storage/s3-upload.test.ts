import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { cutParts } from '../../../../shared/adapters/storage/s3-upload.js';

async function sizes(chunks: number[], size: number): Promise<number[]> {
  const out: number[] = [];
  for await (const part of cutParts(Readable.from(chunks.map((n) => Buffer.alloc(n, 7))), size)) out.push(part.length);
  return out;
}

describe('cutParts', () => {
  it.each([
    [[], 4, [0]],
    [[3], 4, [3]],
    [[4], 4, [4]],
    [[2, 2, 2, 2], 4, [4, 4]],
    [[10], 4, [4, 4, 2]],
    [[1, 7, 1], 4, [4, 4, 1]],
  ])('cuts chunks %j into parts of %i as %j', async (chunks, size, expected) => {
    expect(await sizes(chunks, size)).toEqual(expected);
  });

  it('keeps the bytes in order across part boundaries', async () => {
    const source = Readable.from([Buffer.from('abc'), Buffer.from('defgh'), Buffer.from('ij')]);
    const parts: string[] = [];
    for await (const part of cutParts(source, 4)) parts.push(part.toString());
    expect(parts).toEqual(['abcd', 'efgh', 'ij']);
  });
});
