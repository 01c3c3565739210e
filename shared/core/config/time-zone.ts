import { noteRuntimeCheck } from './runtime-checks.js';

let canonicalZones: Set<string> | undefined;

/** The names of UTC itself, which every runtime knows and most estates write; none is in the canonical list. */
const UNIVERSAL = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);

/**
 * Whether the runtime knows `tz`. UTC's names answer at once (a cold start reading `timezone: UTC` builds
 * nothing); the list of canonical zones answers most other names in about 2 ms; only aliases such as
 * "Asia/Calcutta" pay for building a formatter, whose first use sets up ICU date formatting (about 20 ms
 * on a cold start).
 */
export function isTimeZone(tz: string): boolean {
  noteRuntimeCheck('zones', tz);
  if (UNIVERSAL.has(tz)) return true;
  canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (canonicalZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock parts of an instant in an IANA zone: `[year, month, day, hour, minute, second]`. */
export function zonedParts(ms: number, timeZone: string): number[] {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(ms);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return [get('year'), get('month'), get('day'), get('hour'), get('minute'), get('second')];
}

function offsetMs(ms: number, timeZone: string): number {
  const [y, mo, d, h, mi, s] = zonedParts(ms, timeZone) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(ms / 1000) * 1000;
}

/** The instant of a wall-clock time in `timeZone` (the zone a backup script's `date` ran in). */
export function zonedTimeToUtc(wall: [number, number, number, number, number, number], timeZone: string): number {
  const [y, mo, d, h, mi, s] = wall;
  const guess = Date.UTC(y, mo - 1, d, h, mi, s);
  const first = guess - offsetMs(guess, timeZone);
  // A second pass settles instants next to a DST change.
  return guess - offsetMs(first, timeZone);
}

/** `YYYY-MM-DD` of an instant in `timeZone`. */
export function localDay(ms: number, timeZone: string): string {
  const [y, mo, d] = zonedParts(ms, timeZone) as [number, number, number];
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
