/** The two parts of a GCS multipart upload: JSON metadata, then the media. */
export interface MultipartUpload {
  metadata: Buffer;
  media: Buffer;
  mediaType?: string;
}

function splitPart(part: Buffer): { headers: Record<string, string>; body: Buffer } | undefined {
  const end = part.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const headers: Record<string, string> = {};
  for (const line of part.subarray(0, end).toString('utf8').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: part.subarray(end + 4) };
}

/** Parses a `multipart/related` upload body as `@google-cloud/storage` sends it; undefined when malformed. */
export function parseMultipartRelated(contentType: string, body: Buffer): MultipartUpload | undefined {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) return undefined;
    // Each part sits between "\r\n" after the delimiter and "\r\n" before the next one.
    parts.push(body.subarray(start + 2, next - 2));
    at = next;
  }
  const [meta, media] = parts.map(splitPart);
  if (!meta || !media) return undefined;
  return {
    metadata: meta.body,
    media: media.body,
    ...(media.headers['content-type'] ? { mediaType: media.headers['content-type'] } : {}),
  };
}
