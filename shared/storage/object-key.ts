import { BadInputError } from '../errors/ops-error.js';

/** Rejects keys no store should accept: empty, absolute, with NUL, or with a `..` segment that could escape a root. */
export function assertObjectKey(key: string): string {
  if (typeof key !== 'string' || key === '') throw new BadInputError('object key: expected a non-empty string');
  if (key.startsWith('/'))
    throw new BadInputError(`object key "${key}": expected a relative key, not starting with "/"`);
  if (key.includes('\0')) throw new BadInputError(`object key "${key}": must not contain NUL`);
  if (key.split('/').includes('..')) throw new BadInputError(`object key "${key}": must not contain a ".." segment`);
  if (Buffer.byteLength(key) > 1024)
    throw new BadInputError(`object key "${key.slice(0, 40)}…": longer than 1024 bytes`);
  return key;
}
