import { BadInputError } from '../errors/ops-error.js';
import type { StoreLocation } from './object-store.js';
import type { OpenObjectStoreOptions } from './open-object-store.js';
import { S3ObjectStore } from './s3-object-store.js';

/** Builds the S3 adapter for a location: endpoint from `s3.endpoint` or `endpoints.s3`, keys resolved through `secret`. */
export async function openS3Store(location: StoreLocation, options: OpenObjectStoreOptions): Promise<S3ObjectStore> {
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
