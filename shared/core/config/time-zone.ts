/** Wall-clock parts of an instant in an IANA zone. */
function zonedParts(ms: number, timeZone: string): number[] {
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
