import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { TooLargeError } from '../../core/errors/index.js';

type Sdk = typeof import('@aws-sdk/client-s3');

// S3 caps a multipart upload at 10,000 parts.
const MAX_PARTS = 10_000;

/** What {@link uploadStream} needs from the store: where to write and how to run one bounded, error-mapped call. */
export interface UploadStreamArgs {
  body: Readable;
  partSize: number;
  bucket: string;
  key: string;
  contentType?: string;
  single: (buffer: Buffer) => Promise<void>;
  /**
   * Runs one bounded call under the caller's signal, or, with `detached`, under its own deadline only: the
   * abort of a failed upload still goes out when it was the caller's signal that failed it.
   */
  call: <T>(
    action: string,
    run: (client: S3Client, sdk: Sdk, abortSignal: AbortSignal) => Promise<T>,
    detached?: boolean,
  ) => Promise<T>;
}

/** Cuts a stream into buffers of exactly `size` bytes (the last one shorter), holding one part in memory at a time. */
export async function* cutParts(body: AsyncIterable<Uint8Array | string>, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    // Counted in bytes: a string chunk's length is in UTF-16 units, fewer than its bytes once it holds "é".
    const bytes = Buffer.from(chunk);
    pending.push(bytes);
    length += bytes.length;
    while (length >= size) {
      const all = Buffer.concat(pending, length);
      yield all.subarray(0, size);
      pending = [all.subarray(size)];
      length -= size;
    }
  }
  if (length > 0 || pending.length === 0) yield Buffer.concat(pending, length);
}

/**
 * Writes a stream to S3: one PutObject when it fits in one part, else a multipart upload that is
 * aborted on any failure so no half-written object or orphaned parts remain.
 */
export async function uploadStream(args: UploadStreamArgs): Promise<void> {
  const parts = cutParts(args.body, args.partSize);
  const first = await parts.next();
  const second = first.done ? first : await parts.next();
  if (second.done) {
    await args.single(first.done ? Buffer.alloc(0) : first.value);
    return;
  }
  const { bucket, key } = args;
  const created = await args.call('start upload', (client, sdk, abortSignal) =>
    client.send(
      new sdk.CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ...(args.contentType ? { ContentType: args.contentType } : {}),
      }),
      { abortSignal },
    ),
  );
  const uploadId = created.UploadId!;
  const done: { ETag: string; PartNumber: number }[] = [];
  try {
    const sendPart = async (buffer: Buffer) => {
      const PartNumber = done.length + 1;
      if (PartNumber > MAX_PARTS) throw new TooLargeError(`write s3://${bucket}/${key}: more than ${MAX_PARTS} parts`);
      const part = await args.call('upload part', (client, sdk, abortSignal) =>
        client.send(
          new sdk.UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber,
            Body: buffer,
            ContentLength: buffer.length,
            ContentMD5: createHash('md5').update(buffer).digest('base64'),
          }),
          { abortSignal },
        ),
      );
      done.push({ ETag: part.ETag!, PartNumber });
    };
    await sendPart(first.value!);
    await sendPart(second.value);
    for await (const buffer of parts) await sendPart(buffer);
    await args.call('complete upload', (client, sdk, abortSignal) =>
      client.send(
        new sdk.CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: done },
        }),
        { abortSignal },
      ),
    );
  } catch (error) {
    await args
      .call(
        'abort upload',
        (client, sdk, abortSignal) =>
          client.send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }), {
            abortSignal,
          }),
        true,
      )
      .catch(() => undefined);
    throw error;
  }
}
