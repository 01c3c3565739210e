import type { Endpoints, SecretRef } from '../../core/config/index.js';
import { BadInputError } from '../../core/errors/index.js';
import { signsRequests } from '../google/index.js';
import { FileObjectStore } from './file-object-store.js';
import { GcsObjectStore } from './gcs-object-store.js';
import type { ObjectStore, StoreLocation } from './object-store.js';
import { S3ObjectStore } from './s3-object-store.js';
import type { S3StoreConfig } from './s3-settings.js';
import { parseStoreUrl } from './store-url.js';

/** What {@link openObjectStore} needs besides the URL: endpoint overrides, S3 settings, a secret resolver, a timeout. */
export interface OpenObjectStoreOptions {
  endpoints?: Endpoints;
  s3?: S3StoreConfig;
  secret?: (ref: SecretRef) => Promise<string>;
  /** Per-request timeout for network stores, in milliseconds (default 30 s). */
  timeoutMs?: number;
}

/** An opened store and where in it the URL points. */
export interface OpenedStore {
  store: ObjectStore;
  location: StoreLocation;
}

/**
 * Opens the store a URL names, loading only the adapter (and cloud SDK) that scheme needs.
 * @example const { store, location } = await openObjectStore('file:///var/backups/pg/');
 */
export async function openObjectStore(url: string, options: OpenObjectStoreOptions = {}): Promise<OpenedStore> {
  const location = parseStoreUrl(url);
  switch (location.scheme) {
    case 'file':
      return { store: new FileObjectStore(location.bucket), location };
    // The adapters load their SDK on first use, so only the scheme in use pays for it.
    case 's3':
      return { store: await openS3Store(location, options), location };
    case 'gs':
      return { store: openGcsStore(location, options), location };
  }
}

/* Builds the S3 adapter for a location: endpoint from `s3.endpoint` or `endpoints.s3`, keys resolved through `secret`. */
async function openS3Store(location: StoreLocation, options: OpenObjectStoreOptions): Promise<S3ObjectStore> {
  const s3 = options.s3 ?? {};
  const endpoint = s3.endpoint ?? options.endpoints?.s3?.url;
  const resolve = async (ref: Parameters<NonNullable<OpenObjectStoreOptions['secret']>>[0] | string, name: string) => {
    if (typeof ref === 'string') return ref;
    if (!options.secret) {
      throw new BadInputError(
        `s3 credentials for "${location.bucket}": ${name} is a secret reference but no resolver was given`,
      );
    }
    return options.secret(ref);
  };
  let credentials: ConstructorParameters<typeof S3ObjectStore>[0]['credentials'];
  if (options.endpoints?.s3?.credentials === 'none' && !s3.credentials) credentials = 'none';
  else if (s3.credentials) {
    const c = s3.credentials;
    const sessionToken = c.sessionToken ? await resolve(c.sessionToken, 'sessionToken') : undefined;
    credentials = {
      accessKeyId: await resolve(c.accessKeyId, 'accessKeyId'),
      secretAccessKey: await resolve(c.secretAccessKey, 'secretAccessKey'),
      ...(sessionToken ? { sessionToken } : {}),
    };
  }
  return new S3ObjectStore({
    bucket: location.bucket,
    ...(endpoint ? { endpoint } : {}),
    ...(s3.region ? { region: s3.region } : {}),
    ...(s3.forcePathStyle !== undefined ? { forcePathStyle: s3.forcePathStyle } : {}),
    ...(credentials ? { credentials } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
}

/* Builds the GCS adapter for a location, honouring the `endpoints.storage` override and its `credentials: none`. */
function openGcsStore(location: StoreLocation, options: OpenObjectStoreOptions): GcsObjectStore {
  const endpoint = options.endpoints?.storage;
  return new GcsObjectStore({
    bucket: location.bucket,
    ...(endpoint ? { apiEndpoint: endpoint.url, credentials: signsRequests(endpoint) ? 'default' : 'none' } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
}
