import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errorMessage } from '../../core/errors/index.js';
import { PlatformOperationError } from './errors.js';

/** A pin: the image a rollback holds a compose service on until it is released. */
export interface ComposePin {
  image: string;
  /** Set when the pin is applied through the image variable rather than an override file. */
  variable?: { name: string; value: string };
  at: string;
}

/** Where a service's pin lives when the config names no `pinFile`: beside the first compose file. */
export function defaultPinFile(files: readonly string[], project: string, service: string): string {
  const first = files[0] ?? '/';
  return join(dirname(first), `.opsfn-pin.${project}.${service}.yml`);
}

/** The image tag of a reference (`registry:5000/app:v1` → `v1`), undefined for a digest or a bare name. */
export function tagOf(image: string): string | undefined {
  if (image.includes('@')) return undefined;
  const last = image.slice(image.lastIndexOf('/') + 1);
  const at = last.lastIndexOf(':');
  return at === -1 ? undefined : last.slice(at + 1);
}

/**
 * Reads the pin file: an override (`services.<service>.image`) with opsfn's `x-opsfn-pin` record, or the
 * record alone when the pin is an image variable. Undefined when there is none.
 */
export async function readPin(path: string): Promise<ComposePin | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PlatformOperationError(`reading pin file ${path}: ${errorMessage(error)}`);
  }
  const { parse } = await import('yaml');
  const record = (parse(text) as { 'x-opsfn-pin'?: ComposePin } | null)?.['x-opsfn-pin'];
  if (!record || typeof record.image !== 'string') {
    throw new PlatformOperationError(`pin file ${path} is not one opsfn wrote (no x-opsfn-pin.image)`);
  }
  return record;
}

/**
 * Writes the pin atomically (temp file + rename). With an image variable the file only records the pin and is
 * never given to compose; otherwise it is an override that sets the service's image. `version` is copied from
 * the main compose file because compose v1 refuses files of different versions.
 */
export async function writePin(
  path: string,
  service: string,
  pin: ComposePin,
  version: string | undefined,
): Promise<void> {
  const doc: Record<string, unknown> = pin.variable
    ? { 'x-opsfn-pin': pin }
    : {
        ...(version ? { version } : {}),
        services: { [service]: { image: pin.image } },
        'x-opsfn-pin': pin,
      };
  const header =
    '# Written by opsfn: a rollback holds this service on an older image. Remove with `opsfn release-pin`.\n';
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const { stringify } = await import('yaml');
  await writeFile(temp, header + stringify(doc), 'utf8');
  await rename(temp, path);
}

/** Removes the pin file; a missing one is already removed. */
export async function removePin(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** The `version` key of a compose file, if it has one. */
export async function composeFileVersion(file: string): Promise<string | undefined> {
  try {
    const { parse } = await import('yaml');
    const version = (parse(await readFile(file, 'utf8')) as { version?: unknown } | null)?.version;
    return version === undefined || version === null ? undefined : String(version);
  } catch (error) {
    throw new PlatformOperationError(`reading compose file ${file}: ${errorMessage(error)}`);
  }
}
