/** A problem a cross-reference check finds in a parsed estate, at its path from the estate's root. */
export interface ConfigIssue {
  path: (string | number)[];
  message: string;
}

/** Edit distance between two names (insertions, deletions, substitutions), bounded for short config names. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/**
 * The known name closest to `name`, when it is close enough to be a typo: a few edits away, or the same
 * name in another case or with `-`/`_` swapped.
 * @example didYouMean('backnd', ['backend', 'agent']) // 'backend'
 */
export function didYouMean(name: string, known: readonly string[]): string | undefined {
  const plain = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  let best: { name: string; d: number } | undefined;
  for (const candidate of known) {
    const d = plain(candidate) === plain(name) ? 0 : distance(name.toLowerCase(), candidate.toLowerCase());
    if (best === undefined || d < best.d) best = { name: candidate, d };
  }
  const limit = Math.max(2, Math.floor(name.length / 3));
  return best !== undefined && best.d <= limit ? best.name : undefined;
}

/** `(known: a, b; did you mean "a"?)`: the known names of a map, and the likeliest one for `name`. */
export function knownNames(name: string, known: readonly string[]): string {
  if (known.length === 0) return '(none are defined)';
  const shown = known.length > 20 ? `${known.slice(0, 20).join(', ')}, …` : known.join(', ');
  const guess = didYouMean(name, known);
  return `(known: ${shown}${guess === undefined ? '' : `; did you mean "${guess}"?`})`;
}

/**
 * A reference from `path` to an entry of a config map (`services`, `databases`, …): no issue when the map holds
 * `name` and `accept` (if given) takes the entry, else one naming the known entries and the likeliest one.
 * @example referenceIssues(['rollback', 'policies', 0, 'service'], 'service', 'backnd', estate.services)
 */
export function referenceIssues<T>(
  path: (string | number)[],
  what: string,
  name: string,
  map: Readonly<Record<string, T>>,
  accept?: { test: (entry: T) => boolean; expected: string },
): ConfigIssue[] {
  const entry = Object.hasOwn(map, name) ? map[name] : undefined;
  if (entry === undefined) {
    return [{ path, message: `unknown ${what} "${name}" ${knownNames(name, Object.keys(map))}` }];
  }
  if (accept && !accept.test(entry)) {
    const fitting = Object.entries(map)
      .filter(([, e]) => accept.test(e))
      .map(([key]) => key);
    const which = fitting.length > 0 ? ` (${fitting.join(', ')} ${fitting.length === 1 ? 'is' : 'are'})` : '';
    return [{ path, message: `expected ${accept.expected}, "${name}" is not${which}` }];
  }
  return [];
}
