import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { errorMessage } from '../../../shared/core/errors/index.js';
import type { HealthSweepDeps } from '../deps.js';

/** An HTTP answer as a check reads it: status, content type and the first bytes of the body. */
export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** Body bytes kept; a health body larger than this is cut, the rest is not read. */
const MAX_BODY = 256 * 1024;

/** What one request sends. */
export interface HttpRequestSpec {
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  ca?: Buffer | undefined;
}

function read(res: IncomingMessage, method: string): Promise<string> {
  if (method === 'HEAD') {
    res.resume();
    return Promise.resolve('');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_BODY) {
        res.destroy();
        resolve(Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8'));
      }
    });
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
    res.once('aborted', () => reject(new Error('connection closed before the body ended')));
  });
}

/**
 * One request over node:http(s) on the shared keep-alive agents, redirects not followed; rejects on a network
 * error or when `signal` aborts (the socket is destroyed, so a hung server holds nothing).
 */
export function sendRequest(
  url: URL,
  spec: HttpRequestSpec,
  agents: HealthSweepDeps['agents'],
  signal: AbortSignal,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const tls = url.protocol === 'https:';
    const headers = {
      ...spec.headers,
      ...(spec.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(spec.body)) }),
    };
    const options = {
      method: spec.method,
      headers,
      signal,
      ...(tls
        ? { agent: spec.ca ? undefined : agents.https, ...(spec.ca ? { ca: spec.ca } : {}) }
        : { agent: agents.http }),
    };
    // node:https (and with it node:tls) is required on the first HTTPS check, not at every cold start.
    const send = tls
      ? (createRequire(import.meta.url)('node:https') as typeof import('node:https')).request
      : httpRequest;
    const req = send(url, options, (res) => {
      read(res, spec.method).then(
        (body) =>
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body }),
        reject,
      );
    });
    req.once('error', reject);
    req.end(spec.body);
  });
}

/** A network error in words: DNS failure, refused, reset, TLS. */
export function describeNetworkError(error: unknown, host: string): string {
  const { code, hostname, address, port } = error as {
    code?: unknown;
    hostname?: unknown;
    address?: unknown;
    port?: unknown;
  };
  const message = errorMessage(error);
  const peer = host || (typeof address === 'string' ? `${address}${typeof port === 'number' ? `:${port}` : ''}` : '');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `DNS: ${typeof hostname === 'string' ? hostname : host || 'the host'} does not resolve (${code})`;
  }
  if (!peer) return message.slice(0, 300);
  if (code === 'ECONNREFUSED') return `connection refused by ${peer}`;
  if (code === 'ECONNRESET') return `connection reset by ${peer}`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${peer} unreachable (${code})`;
  return message.slice(0, 300);
}
