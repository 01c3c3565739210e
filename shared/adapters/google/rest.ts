import { DependencyError, type OpsError } from '../../core/errors/index.js';
import { boundedCall, type CallBounds, type CallKind } from './call.js';
import { failureOf, googleError } from './errors.js';

/** One JSON request: a GET reads, a POST writes unless said otherwise. */
export interface RestRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
}

/** Bounds, signal and error mapping of {@link requestJson}. */
export interface RestOptions extends CallBounds {
  signal?: AbortSignal | undefined;
  /** Default: a GET reads, a POST writes. */
  kind?: CallKind;
  /** The OpsError for a non-2xx answer; default {@link googleError} of Google's error body. */
  mapAnswer?: (status: number, text: string, label: string) => OpsError;
}

const MAX_BODY = 8 * 1024 * 1024;

/**
 * The body of `response` as UTF-8, read chunk by chunk and abandoned (the stream cancelled) as soon as it passes
 * `limit` bytes, or at once when its declared length does: a huge answer costs a bounded read, never its size.
 */
async function boundedText(response: Response, limit: number, label: string): Promise<string> {
  const tooLarge = () => new DependencyError(`${label}: response over ${limit} bytes`, { retryable: false });
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

const googleAnswer = (status: number, text: string, label: string): OpsError =>
  googleError(label, failureOf(status, text, text.slice(0, 200)));

/**
 * Sends one JSON request through {@link boundedCall} (plain `fetch`: no client library on a cold start) and
 * parses the answer; an empty answer to a POST gives undefined. Errors name the method and the URL without its query.
 */
export async function requestJson(request: RestRequest, options: RestOptions = {}): Promise<unknown> {
  const label = `${request.method} ${request.url.split('?')[0]}`;
  const mapAnswer = options.mapAnswer ?? googleAnswer;
  const init = {
    method: request.method,
    headers: { ...request.headers, ...(request.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  };
  const text = await boundedCall(
    async (signal) => {
      const response = await fetch(request.url, { ...init, signal });
      const body = await boundedText(response, MAX_BODY, label);
      if (response.status < 200 || response.status >= 300) throw mapAnswer(response.status, body, label);
      return body;
    },
    { ...options, label, kind: options.kind ?? (request.method === 'GET' ? 'read' : 'write') },
  );
  if (text === '' && request.method === 'POST') return undefined;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new DependencyError(`${label}: response is not JSON`, { cause, retryable: false });
  }
}
