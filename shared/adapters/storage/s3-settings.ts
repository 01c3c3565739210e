import type { SecretRef } from '../../core/config/index.js';

// Apart from the stores that use them, so a caller that only writes the settings down (a drill's restore step,
// at cold start) does not load every store implementation with them.

/** S3 connection settings as written in config: credentials are secret references, resolved at open time. */
export interface S3StoreConfig {
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: SecretRef | string; secretAccessKey: SecretRef | string; sessionToken?: SecretRef };
}

/** The S3 settings a config entry (a backup) writes beside its URL, the ones it leaves out left out. */
export function s3SettingsOf(entry: {
  endpoint?: string | undefined;
  region?: string | undefined;
  forcePathStyle?: boolean | undefined;
  credentials?: S3StoreConfig['credentials'] | undefined;
}): S3StoreConfig {
  return {
    ...(entry.endpoint ? { endpoint: entry.endpoint } : {}),
    ...(entry.region ? { region: entry.region } : {}),
    ...(entry.forcePathStyle !== undefined ? { forcePathStyle: entry.forcePathStyle } : {}),
    ...(entry.credentials ? { credentials: entry.credentials } : {}),
  };
}
