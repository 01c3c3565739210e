import { html, type SafeHtml } from './html.js';

/** An inline SVG line of `values` (oldest first), scaled to its own range; a flat line for one value. */
export function sparkline(values: readonly number[], width = 120, height = 24): SafeHtml {
  if (values.length === 0) return html`<span class="muted">no sizes yet</span>`;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const points = values
    .map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - ((v - min) / span) * (height - 4)).toFixed(1)}`)
    .join(' ');
  const last = values.length > 1 ? points.split(' ').at(-1) : `${width / 2},${height / 2}`;
  const [x, y] = (last ?? '0,0').split(',');
  return html`<svg class="spark" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="size over the last ${values.length} runs"><polyline points="${points}" /><circle cx="${x}" cy="${y}" r="2" /></svg>`;
}
