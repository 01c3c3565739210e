import type { IncomingMessage } from 'node:http';
import { DependencyError, errorMessage, NotFoundError, TooLargeError } from '../../core/errors/index.js';
import { createGoogleAccess, GoogleScopes } from '../google/index.js';
import { collectBounded } from './collect.js';
import { StorageAccessDeniedError } from './errors.js';

const API_ROOT = 'https://storage.googleapis.com';
const tooLong = (bytes: number) => new Error(`answer of ${bytes} bytes or more is longer than expected`);
const METADATA_TOKEN_PATH = '/computeMetadata/v1/instance/service-accounts/default/token';

/** Options of {@link readGcsObject}. */
export interface GcsReadOptions {
  maxBytes: number;
  /** JSON API root; by default `STORAGE_EMULATOR_HOST` when set, else Google's. */
  apiRoot?: string;
  /** An OAuth access token; by default from the metadata server on Google Cloud, else from ADC. */
  accessToken?: () => Promise<string>;
  /** Bound on the token, the request and the body together (default 30 s). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads one small GCS object (the estate config) with a plain JSON-API request. A cold start that
 * loaded `@google-cloud/storage` for this one read paid about 250 ms and 28 MiB before its first
 * answer; on Google Cloud the token comes from the metadata server with no library at all. Against
 * `STORAGE_EMULATOR_HOST` no token is sent, as the Storage client does.
 */
export async function readGcsObject(bucket: string, key: string, options: GcsReadOptions): Promise<Buffer> {
  const env = options.env ?? process.env;
  const where = `gs://${bucket}/${key}`;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const emulator = env.STORAGE_EMULATOR_HOST;
  // The Node Storage client takes the emulator variable as its base URL (`…/storage/v1`), other
  // clients as a bare host: both are accepted.
  const root = (
    options.apiRoot ?? (emulator ? (/^https?:\/\//.test(emulator) ? emulator : `http://${emulator}`) : API_ROOT)
  ).replace(/(\/storage\/v1)?\/?$/, '');
  const headers: Record<string, string> = {};
  if (options.accessToken || !emulator) {
    headers.authorization = `Bearer ${await (options.accessToken ?? (() => defaultAccessToken(env, signal)))()}`;
  }
  const url = `${root}/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(key)}?alt=media`;
  let res: IncomingMessage;
  try {
    res = await get(url, headers, signal);
  } catch (cause) {
    throw new DependencyError(`${where}: ${signal.aborted ? 'timed out' : errorMessage(cause)}`, { cause });
  }
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    const text = (await collectBounded(res, 4096, tooLong).catch(() => Buffer.alloc(0))).toString('utf8').slice(0, 300);
    const detail = `GCS answered ${status}${text ? `: ${text}` : ''}`;
    if (status === 404) {
      // An object read on a missing bucket also answers "No such object": a bucket-level listing tells them apart.
      const listing = await get(`${root}/storage/v1/b/${encodeURIComponent(bucket)}/o?maxResults=1`, headers, signal)
        .then((r) => {
          r.resume();
          return r.statusCode;
        })
        .catch(() => undefined);
      const what = listing === 404 ? 'the bucket does not exist' : 'no such object';
      throw new NotFoundError(`${where}: ${what} (${detail})`);
    }
    if (status === 401 || status === 403) throw new StorageAccessDeniedError(`access denied: ${where}: ${detail}`);
    throw new DependencyError(`${where}: ${detail}`);
  }
  const tooLarge = (bytes: number) =>
    new TooLargeError(`${where}: ${bytes} bytes exceeds the limit of ${options.maxBytes}`, {
      details: { maxBytes: options.maxBytes },
    });
  const declared = Number(res.headers['content-length'] ?? Number.NaN);
  if (declared > options.maxBytes) {
    res.destroy();
    throw tooLarge(declared);
  }
  try {
    return await collectBounded(res, options.maxBytes, tooLarge);
  } catch (error) {
    if (error instanceof TooLargeError) throw error;
    throw new DependencyError(
      `${where}: reading the body failed: ${signal.aborted ? 'timed out' : errorMessage(error)}`,
      { cause: error },
    );
  }
}

/**
 * One GET with `node:http(s)`: on Node 20 the first `fetch` of a process costs about 60 ms and
 * 15 MiB to set up, more than the whole read.
 */
async function get(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
  const { request } = url.startsWith('https:') ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, signal }, resolve);
    req.once('error', reject);
    req.end();
  });
}

/** On Google Cloud (Cloud Run, Cloud Functions) the metadata server's token; elsewhere Application Default Credentials. */
async function defaultAccessToken(env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<string> {
  if (env.K_SERVICE || env.GCE_METADATA_HOST) {
    const host = env.GCE_METADATA_HOST ?? 'metadata.google.internal';
    let body: { access_token?: unknown } = {};
    let status = 0;
    try {
      const res = await get(`http://${host}${METADATA_TOKEN_PATH}`, { 'Metadata-Flavor': 'Google' }, signal);
      status = res.statusCode ?? 0;
      body = JSON.parse((await collectBounded(res, 64 * 1024, tooLong)).toString('utf8')) as typeof body;
    } catch (cause) {
      if (status === 0) throw new DependencyError(`metadata server token: ${errorMessage(cause)}`, { cause });
    }
    if (status !== 200 || typeof body.access_token !== 'string')
      throw new DependencyError(`metadata server token: HTTP ${status} without an access_token`);
    return body.access_token;
  }
  return createGoogleAccess().accessToken(GoogleScopes.storageRead);
}
