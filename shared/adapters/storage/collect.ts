import type { Readable } from 'node:stream';

/** Buffers a stream, destroying it as soon as it passes `maxBytes` (the object may have grown since it was stat-ed). */
export async function collectBounded(
  stream: Readable,
  maxBytes: number,
  tooLarge: (bytes: number) => Error,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.from(chunk as Uint8Array);
    total += buffer.length;
    if (total > maxBytes) {
      stream.destroy();
      throw tooLarge(total);
    }
    parts.push(buffer);
  }
  return Buffer.concat(parts, total);
}
