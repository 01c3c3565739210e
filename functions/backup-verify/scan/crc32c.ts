/** CRC-32C (Castagnoli), the checksum GCS keeps for every object, computed slice-by-8 without native code. */
const POLY = 0x82f63b78;

function buildTables(): Uint32Array[] {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  const t0 = tables[0]!;
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t0[i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) {
    for (let t = 1; t < 8; t++) {
      const prev = tables[t - 1]![i]!;
      tables[t]![i] = (prev >>> 8) ^ t0[prev & 0xff]!;
    }
  }
  return tables;
}

/** An incremental CRC-32C; `digest()` gives GCS's form (base64 of the big-endian value). */
export class Crc32c {
  private crc = 0xffffffff;
  private readonly t: Uint32Array[];

  constructor(tables: Uint32Array[] = buildTables()) {
    this.t = tables;
  }

  update(data: Uint8Array): this {
    const [t0, t1, t2, t3, t4, t5, t6, t7] = this.t as [
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
    ];
    let crc = this.crc;
    let i = 0;
    const end8 = data.length - (data.length % 8);
    while (i < end8) {
      const a = (crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
      crc =
        t7[a & 0xff]! ^
        t6[(a >>> 8) & 0xff]! ^
        t5[(a >>> 16) & 0xff]! ^
        t4[a >>> 24]! ^
        t3[data[i + 4]!]! ^
        t2[data[i + 5]!]! ^
        t1[data[i + 6]!]! ^
        t0[data[i + 7]!]!;
      i += 8;
    }
    while (i < data.length) crc = (crc >>> 8) ^ t0[(crc ^ data[i++]!) & 0xff]!;
    this.crc = crc >>> 0;
    return this;
  }

  /** The value as an unsigned 32-bit number. */
  value(): number {
    return (this.crc ^ 0xffffffff) >>> 0;
  }

  /** Base64 of the big-endian bytes, as GCS reports `crc32c`. */
  digest(): string {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.value());
    return out.toString('base64');
  }
}
