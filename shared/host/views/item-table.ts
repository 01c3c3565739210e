/** Items of an envelope laid out as a table: the columns most items have, each cell as short text. */
export interface ItemTable {
  columns: string[];
  rows: string[][];
}

// Names that say which thing a row is about come first, then its verdict.
const FIRST = ['backup', 'endpoint', 'check', 'service', 'name', 'step', 'target', 'status', 'outcome', 'decision'];

/** One value as table text: strings as they are, the rest as JSON cut to `max` characters. */
export function cellText(value: unknown, max = 160): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The items as a table of at most `maxColumns` columns: identifying and status keys first, then the most common. */
export function itemTable(items: readonly unknown[], maxColumns = 8, maxCell = 160): ItemTable {
  const records = items.map((i) =>
    typeof i === 'object' && i !== null ? (i as Record<string, unknown>) : { value: i },
  );
  const counts = new Map<string, number>();
  for (const item of records) for (const key of Object.keys(item)) counts.set(key, (counts.get(key) ?? 0) + 1);
  const rank = (key: string) => {
    const i = FIRST.indexOf(key);
    return i === -1 ? FIRST.length : i;
  };
  const columns = [...counts.keys()]
    .sort((a, b) => rank(a) - rank(b) || (counts.get(b) ?? 0) - (counts.get(a) ?? 0))
    .slice(0, maxColumns);
  return { columns, rows: records.map((item) => columns.map((c) => cellText(item[c], maxCell))) };
}
