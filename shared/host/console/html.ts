/** HTML that is already safe to send: built by {@link html} or wrapped on purpose with {@link raw}. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML element or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

/**
 * A tagged template that escapes every interpolated value (arrays are joined, `undefined`, `null` and
 * `false` render as nothing) unless it is {@link SafeHtml}: everything a run or a request brought is text.
 * @example html`<td>${row.name}</td>`
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Marks markup built elsewhere as safe; only for constants and markup from {@link html}. */
export const raw = (text: string) => new SafeHtml(text);

/** `3 h ago`, `in 2 d`: a time relative to `now`. */
export function relative(at: string | Date | undefined | null, now: Date): string {
  if (!at) return '—';
  const ms = new Date(at).getTime() - now.getTime();
  if (!Number.isFinite(ms)) return '—';
  const span = duration(Math.abs(ms));
  return ms < 0 ? `${span} ago` : `in ${span}`;
}

/** A duration in the largest unit that keeps it readable: `850 ms`, `42 s`, `7 min`, `5 h`, `12 d`. */
export function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 1) return `${Math.round(ms)} ms`;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/** Bytes in binary units: `512 B`, `3.4 KiB`, `1.2 GiB`. */
export function bytes(n: number | undefined): string {
  if (n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A status word as a coloured badge; the class is picked from a fixed list, never from the value. */
export function badge(status: string | undefined): SafeHtml {
  const tone =
    {
      ok: 'good',
      passed: 'good',
      done: 'good',
      warn: 'warn',
      'dry-run': 'info',
      skipped: 'muted',
      unchanged: 'muted',
      running: 'info',
      'awaiting-approval': 'warn',
      critical: 'bad',
      fail: 'bad',
      failed: 'bad',
      error: 'bad',
      refused: 'warn',
      rejected: 'bad',
      cancelled: 'muted',
    }[status ?? ''] ?? 'muted';
  return html`<span class="badge ${tone}">${status ?? '—'}</span>`;
}
