import { GcsObjectStore } from './gcs-object-store.js';
import type { StoreLocation } from './object-store.js';
import type { OpenObjectStoreOptions } from './open-object-store.js';

/** Builds the GCS adapter for a location, honouring the `endpoints.storage` override and its `credentials: none`. */
export async function openGcsStore(location: StoreLocation, options: OpenObjectStoreOptions): Promise<GcsObjectStore> {
  const endpoint = options.endpoints?.storage;
  return new GcsObjectStore({
    bucket: location.bucket,
    ...(endpoint ? { apiEndpoint: endpoint.url, credentials: endpoint.credentials ?? 'default' } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
}
