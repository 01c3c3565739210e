import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { scanStream } from '../../../functions/backup-verify/scan/scan-object.js';

const MiB = 1024 * 1024;

/** A dump-like text of about `bytes` that compresses like real data (random hex in every row). */
function dumpText(bytes: number): Buffer {
  const lines: string[] = ['--\n-- PostgreSQL database dump\n--\n'];
  let size = 0;
  for (let id = 1; size < bytes; id++) {
    const line = `${id}\torder.updated\t${randomBytes(12).toString('hex')}\n`;
    lines.push(line);
    size += line.length;
  }
  lines.push('--\n-- PostgreSQL database dump complete\n--\n');
  return Buffer.from(lines.join(''));
}

/** Yields `body` in pieces of the given sizes, cycling through them. */
function pieces(body: Buffer, sizes: number[]): Readable {
  const out: Buffer[] = [];
  for (let offset = 0, i = 0; offset < body.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    out.push(body.subarray(offset, offset + size));
    offset += size;
  }
  return Readable.from(out);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const options = { expectGzip: true, tar: false, idleTimeoutMs: 10_000 };

describe('scanStream', () => {
  const text = dumpText(6 * MiB);
  const gz = gzipSync(text);

  it.each([
    ['network-sized pieces', [64 * 1024]],
    ['pieces that straddle every batch boundary', [1, 333_333, 7, 1_048_575, 2]],
    ['one piece larger than several batches', [gz.length]],
    ['tiny pieces', [997]],
  ])('decodes and hashes a multi-MiB gzip dump read in %s', async (_name, sizes) => {
    const scan = await scanStream(pieces(gz, sizes), { ...options, md5: true });
    expect(scan.decodeError).toBeUndefined();
    expect(scan.bytes).toBe(gz.length);
    expect(scan.sha256).toBe(sha256(gz));
    expect(scan.md5).toBe(createHash('md5').update(gz).digest('base64'));
    expect(scan.decodedBytes).toBe(text.length);
    expect(scan.head).toBe(text.subarray(0, 1024).toString());
    expect(scan.tail).toBe(text.subarray(-4096).toString());
  });

  it('decodes concatenated gzip members as one stream', async () => {
    const second = dumpText(2 * MiB);
    const body = Buffer.concat([gz, gzipSync(second)]);
    const scan = await scanStream(pieces(body, [65_536]), options);
    expect(scan.decodeError).toBeUndefined();
    expect(scan.decodedBytes).toBe(text.length + second.length);
  });

  it('reports a truncated stream and still hashes every byte read', async () => {
    const cut = gz.subarray(0, gz.length - 5000);
    const scan = await scanStream(pieces(cut, [65_536]), options);
    expect(scan.decodeError).toBe('gzip stream truncated (unexpected end of file)');
    expect(scan.sha256).toBe(sha256(cut));
    expect(scan.decodedBytes).toBeLessThan(text.length);
  });

  it('reports corruption in the middle and goes on hashing to the end', async () => {
    const broken = Buffer.from(gz);
    broken.fill(0xa5, Math.floor(gz.length / 3), Math.floor(gz.length / 3) + 4096);
    const scan = await scanStream(pieces(broken, [65_536]), options);
    expect(scan.decodeError).toMatch(/^gzip data corrupt: /);
    expect(scan.bytes).toBe(broken.length);
    expect(scan.sha256).toBe(sha256(broken));
  });

  it('fails a body without gzip magic when the name says gzip, and an empty one', async () => {
    expect((await scanStream(pieces(text, [65_536]), options)).decodeError).toBe(
      'not in gzip format (no gzip magic bytes)',
    );
    expect((await scanStream(Readable.from([]), options)).decodeError).toBe('empty object: no gzip data');
  });

  it('reads a plain body as its own decoded text', async () => {
    const scan = await scanStream(pieces(text, [65_536]), { ...options, expectGzip: false });
    expect(scan.gzip).toBe(false);
    expect(scan.decodeError).toBeUndefined();
    expect(scan.decodedBytes).toBe(text.length);
    expect(scan.tail).toBe(text.subarray(-4096).toString());
  });

  it('rejects when the source stops sending bytes', async () => {
    const stalled = new Readable({ read() {} });
    stalled.push(gz.subarray(0, 3 * MiB));
    await expect(scanStream(stalled, { ...options, idleTimeoutMs: 200 })).rejects.toThrow(
      'no bytes received for 200 ms',
    );
  });
});
