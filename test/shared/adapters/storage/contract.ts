import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { CRC32C } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../../../shared/adapters/storage/object-store.js';
import { BadInputError, NotFoundError, OpsError } from '../../../../shared/core/errors/ops-error.js';

/** One adapter under test: a fresh writable store plus optional stores on a missing and a forbidden bucket. */
export interface ContractSubject {
  store: ObjectStore;
  missing?: ObjectStore;
  denied?: ObjectStore;
  checksums?: ReadonlyArray<'md5' | 'crc32c' | 'sha256'>;
  close?: () => Promise<void>;
}

async function collect(stream: Readable): Promise<{ body: Buffer; chunks: number }> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Uint8Array));
  return { body: Buffer.concat(parts), chunks: parts.length };
}

function crc32c(body: Buffer): string {
  const crc = new CRC32C();
  crc.update(body);
  return crc.toString();
}

function chunked(body: Buffer, size: number): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < body.length; at += size) yield body.subarray(at, at + size);
    })(),
  );
}

/** Runs the object-store contract against one adapter; `make` is called once per suite. */
export function runObjectStoreContract(
  name: string,
  make: () => Promise<ContractSubject>,
  features: { missingBucket?: boolean; accessDenied?: boolean } = {},
): void {
  describe(`${name} (ObjectStore contract)`, () => {
    let subject: ContractSubject;
    beforeAll(async () => {
      subject = await make();
    });
    afterAll(async () => {
      await subject?.close?.();
    });

    it('writes an object and stats its size, time and checksums', async () => {
      const body = Buffer.from('hello, backups\n');
      const before = Date.now();
      await subject.store.write('one/hello.txt', body, { contentType: 'text/plain' });
      const info = await subject.store.stat('one/hello.txt');
      expect(info?.key).toBe('one/hello.txt');
      expect(info?.bytes).toBe(body.length);
      expect(Math.abs((info?.updated.getTime() ?? 0) - before)).toBeLessThan(60_000);
      const checks = subject.checksums ?? [];
      if (checks.includes('md5')) expect(info?.md5).toBe(createHash('md5').update(body).digest('base64'));
      if (checks.includes('crc32c')) expect(info?.crc32c).toBe(crc32c(body));
      if (checks.includes('sha256')) expect(info?.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    });

    it('lists every object under a prefix across pages, sorted, and nothing outside it', async () => {
      const keys = Array.from({ length: 7 }, (_, i) => `many/item-${i}.bin`);
      await Promise.all(keys.map((key, i) => subject.store.write(key, Buffer.alloc(i + 1, i))));
      await subject.store.write('many-not/x.bin', 'x');
      await subject.store.write('many/deeper/y.bin', 'yy');
      const listed = await subject.store.list('many/');
      expect(listed.map((o) => o.key)).toEqual([...keys.slice(0, 7), 'many/deeper/y.bin'].sort());
      expect(listed.find((o) => o.key === 'many/item-3.bin')?.bytes).toBe(4);
      expect((await subject.store.list('many/item-1')).map((o) => o.key)).toEqual(['many/item-1.bin']);
      expect(await subject.store.list('absent/')).toEqual([]);
    });

    it('streams a multi-MiB object written from a stream back intact', async () => {
      const body = randomBytes(6 * 1024 * 1024 + 123);
      await subject.store.write('big/dump.bin', chunked(body, 256 * 1024));
      const stream = await subject.store.read('big/dump.bin');
      expect(stream).toBeInstanceOf(Readable);
      const { body: got, chunks } = await collect(stream);
      expect(got.length).toBe(body.length);
      expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
      expect(chunks).toBeGreaterThan(1);
      expect((await subject.store.stat('big/dump.bin'))?.bytes).toBe(body.length);
    });

    it('stops a download with a dependency error when the caller aborts', async () => {
      const body = randomBytes(4 * 1024 * 1024);
      await subject.store.write('abort/big.bin', body);
      const controller = new AbortController();
      const stream = await subject.store.read('abort/big.bin', { signal: controller.signal });
      let seen = 0;
      const error = await (async () => {
        for await (const chunk of stream) {
          seen += (chunk as Buffer).length;
          controller.abort();
        }
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpsError);
      expect((error as OpsError).kind).toBe('dependency');
      expect(seen).toBeLessThan(body.length);
    });

    it('overwrites an object in place', async () => {
      await subject.store.write('over/a.txt', 'first version');
      await subject.store.write('over/a.txt', 'second');
      expect((await collect(await subject.store.read('over/a.txt'))).body.toString()).toBe('second');
    });

    it('returns undefined when stat-ing a missing key and NotFoundError when reading it', async () => {
      expect(await subject.store.stat('nope/missing.txt')).toBeUndefined();
      await expect(subject.store.read('nope/missing.txt')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('deletes an object and tolerates deleting it again', async () => {
      await subject.store.write('gone/a.txt', 'a');
      await subject.store.delete('gone/a.txt');
      expect(await subject.store.stat('gone/a.txt')).toBeUndefined();
      await expect(subject.store.delete('gone/a.txt')).resolves.toBeUndefined();
    });

    it('refuses keys that are empty, absolute or climb with ".."', async () => {
      for (const key of ['', '/etc/passwd', '../outside.txt', 'a/../../b']) {
        await expect(subject.store.write(key, 'x')).rejects.toBeInstanceOf(BadInputError);
        await expect(subject.store.stat(key)).rejects.toBeInstanceOf(BadInputError);
      }
    });

    if (features.missingBucket) {
      it('maps a missing bucket to NotFoundError', async () => {
        const missing = subject.missing!;
        await expect(missing.list('')).rejects.toBeInstanceOf(NotFoundError);
        await expect(missing.read('a.txt')).rejects.toBeInstanceOf(NotFoundError);
      });
    }

    if (features.accessDenied) {
      it('maps access denied to a non-retryable dependency error', async () => {
        const error = await subject.denied!.list('').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OpsError);
        expect((error as OpsError).kind).toBe('dependency');
        expect((error as OpsError).retryable).toBe(false);
        expect((error as OpsError).message).toMatch(/access denied/i);
      });
    }
  });
}
