const BLOCK = 512;
const ZEROS = Buffer.alloc(64 * 1024);

/** What a full read of a tar archive found. */
export interface TarSummary {
  entries: number;
  /** The archive ended with its end-of-archive zero blocks after a whole last entry. */
  complete: boolean;
  error?: string;
}

/**
 * Walks a tar stream header by header (ustar, GNU and pax), verifying each header checksum and
 * skipping entry data by arithmetic, so memory stays at one 512-byte block whatever the size.
 */
export class TarWalker {
  private readonly header = Buffer.alloc(BLOCK);
  private filled = 0;
  private skip = 0;
  private zeroBlocks = 0;
  private entries = 0;
  private error: string | undefined;
  private ended = false;

  write(chunk: Buffer): void {
    let offset = 0;
    if (this.ended && this.error === undefined) this.trailing(chunk, 0);
    while (offset < chunk.length && this.error === undefined && !this.ended) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - offset);
        this.skip -= n;
        offset += n;
        continue;
      }
      const n = Math.min(BLOCK - this.filled, chunk.length - offset);
      chunk.copy(this.header, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
      if (this.filled === BLOCK) {
        this.filled = 0;
        this.readHeader();
        if (this.ended) this.trailing(chunk, offset);
      }
    }
  }

  /**
   * After the end-of-archive zero block only zeros may follow (the second block, the record's padding): anything
   * else means a header was zeroed out (a crashed writer's preallocated file) and the entries after it go unread.
   */
  private trailing(chunk: Buffer, from: number): void {
    for (let at = from; at < chunk.length; at += ZEROS.length) {
      const piece = chunk.subarray(at, Math.min(at + ZEROS.length, chunk.length));
      if (!piece.equals(ZEROS.subarray(0, piece.length))) {
        this.error = `data after a zero block where header ${this.entries + 1} was expected (a header zeroed out, or data past the end of the archive)`;
        return;
      }
    }
  }

  private readHeader(): void {
    if (this.header.every((b) => b === 0)) {
      this.zeroBlocks += 1;
      // One zero block is enough: some writers omit the second; what follows must be zero padding.
      if (this.zeroBlocks >= 1) this.ended = true;
      return;
    }
    const expected = octal(this.header, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : this.header[i]!;
    if (expected === undefined || expected !== sum) {
      this.error = `tar header ${this.entries + 1} has a bad checksum (corrupt or not a tar archive)`;
      return;
    }
    const size = entrySize(this.header);
    if (size === undefined) {
      this.error = `tar header ${this.entries + 1} has an unreadable size`;
      return;
    }
    this.entries += 1;
    this.skip = Math.ceil(size / BLOCK) * BLOCK;
  }

  /** The verdict once the stream has ended. */
  finish(): TarSummary {
    if (this.error !== undefined) return { entries: this.entries, complete: false, error: this.error };
    if (this.skip > 0 || this.filled > 0) {
      return { entries: this.entries, complete: false, error: `archive ends inside entry ${this.entries}` };
    }
    if (!this.ended) return { entries: this.entries, complete: false, error: 'archive has no end-of-archive marker' };
    if (this.entries === 0) return { entries: 0, complete: false, error: 'archive holds no entries' };
    return { entries: this.entries, complete: true };
  }
}

function octal(buffer: Buffer, start: number, length: number): number | undefined {
  const text = buffer
    .toString('latin1', start, start + length)
    .replace(/\0.*$/s, '')
    .trim();
  return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : undefined;
}

function entrySize(header: Buffer): number | undefined {
  // GNU base-256 for sizes of 8 GiB and more.
  if ((header[124]! & 0x80) !== 0) {
    let value = 0;
    for (let i = 125; i < 136; i++) value = value * 256 + header[i]!;
    return value;
  }
  return octal(header, 124, 12);
}
