import { zonedTimeToUtc } from '../../core/config/index.js';
import type { ObjectInfo } from './object-store.js';

const SIDECAR = /\.(sha256|md5|sha256sum|md5sum)$/i;

/** A backup object with the time it was taken. */
export interface Candidate {
  info: ObjectInfo;
  /** Key below the backup's prefix. */
  name: string;
  takenAt: number;
  /** Where `takenAt` came from. */
  source: 'name' | 'object';
}

function globSource(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    const close = c === '{' ? glob.indexOf('}', i) : -1;
    if (close > i) {
      out += `(?:${glob
        .slice(i + 1, close)
        .split(',')
        .map(globSource)
        .join('|')})`;
      i = close;
    } else if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}

/**
 * A glob as a RegExp: `*` and `?` stay within a path segment, `**` crosses segments, `{a,b}` takes either.
 * @example globToRegExp('*.{sql,sql.gz}').test('db_20260101.sql.gz') // true
 */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${globSource(glob)}$`);
}

// A fraction of a second (`toISOString()`'s `.000`, `,123`, or `-123` before a `Z`) may sit between the seconds and the zone, which
// must then still be read: skipped, the zone was lost and the time read in the estate's zone instead.
const NAME_TIME =
  /(?<!\d)(20\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?:[T_\-.]?([01]\d|2[0-3])[:\-.]?([0-5]\d)(?:[:\-.]?([0-5]\d)(?:[.,]\d{1,9}|-\d{1,9}(?=Z))?)?(Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?)?(?!\d)/i;

/** Minutes east of UTC of a name's zone suffix: `Z`, `+08:00`, `-0500`. */
function offsetMinutes(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return zone.startsWith('-') ? -minutes : minutes;
}

/** How far past `now` a name's time may be and still be believed: clocks that disagree by a few minutes. */
const FUTURE_SKEW_MS = 15 * 60_000;

/**
 * The time a backup was taken, from a timestamp in its name or else the object time. A name's time is read in
 * its own zone when it carries one (`…T120000Z`, `…+0800`), else in `timeZone`. A name dated after `nowMs` (a
 * wrong date, a zone misread) is not believed: the object time is used, so such a backup neither passes as
 * fresh nor sorts first as the newest.
 */
export function backupTime(
  name: string,
  updated: Date,
  timeZone: string,
  nowMs = Number.POSITIVE_INFINITY,
): { takenAt: number; source: Candidate['source'] } {
  const m = NAME_TIME.exec(name.split('/').pop() ?? name) ?? NAME_TIME.exec(name);
  if (!m) return { takenAt: updated.getTime(), source: 'object' };
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (m[4] !== undefined) {
    const wall: [number, number, number, number, number, number] = [
      y,
      mo,
      d,
      Number(m[4]),
      Number(m[5]),
      Number(m[6] ?? 0),
    ];
    const zone = m[7];
    const named =
      zone === undefined
        ? zonedTimeToUtc(wall, timeZone)
        : Date.UTC(y, mo - 1, d, wall[3], wall[4], wall[5]) - offsetMinutes(zone) * 60_000;
    if (named > nowMs + FUTURE_SKEW_MS) return { takenAt: updated.getTime(), source: 'object' };
    return { takenAt: named, source: 'name' };
  }
  // A date without a time: the object time, but never later than the end of the named day, so a fresh copy of an old dump stays old.
  const endOfDay = zonedTimeToUtc([y, mo, d, 23, 59, 59], timeZone);
  return { takenAt: Math.min(updated.getTime(), endOfDay), source: 'name' };
}

/** The backup objects among a listing, newest first; checksum sidecars are left out. */
export function selectCandidates(
  objects: readonly ObjectInfo[],
  prefix: string,
  pattern: string,
  timeZone: string,
  nowMs?: number,
): Candidate[] {
  const glob = globToRegExp(pattern);
  const out: Candidate[] = [];
  for (const info of objects) {
    if (!info.key.startsWith(prefix)) continue;
    const name = info.key.slice(prefix.length);
    if (SIDECAR.test(name) || !glob.test(name)) continue;
    out.push({ info, name, ...backupTime(name, info.updated, timeZone, nowMs) });
  }
  return out.sort((a, b) => b.takenAt - a.takenAt || b.info.updated.getTime() - a.info.updated.getTime());
}
