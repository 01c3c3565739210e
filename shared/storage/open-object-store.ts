import type { Endpoints } from '../config/sections/estate-common.js';
import type { SecretRef } from '../config/types.js';
import { FileObjectStore } from './file-object-store.js';
import type { ObjectStore, StoreLocation } from './object-store.js';
import { parseStoreUrl } from './store-url.js';

/** S3 connection settings as written in config: credentials are secret references, resolved at open time. */
export interface S3StoreConfig {
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: SecretRef | string; secretAccessKey: SecretRef | string; sessionToken?: SecretRef };
}

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
    case 's3': {
      const { openS3Store } = await import('./s3-open.js');
      return { store: await openS3Store(location, options), location };
    }
    case 'gs': {
      const { openGcsStore } = await import('./gcs-open.js');
      return { store: await openGcsStore(location, options), location };
    }
  }
}
