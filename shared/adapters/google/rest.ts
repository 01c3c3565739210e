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
      const body = await response.text();
      if (body.length > MAX_BODY) {
        throw new DependencyError(`${label}: response over ${MAX_BODY} bytes`, { retryable: false });
      }
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
