// The console's only script and stylesheet, served from its own origin so the page's
// Content-Security-Policy can refuse every inline script and style.

/** Sends every `form[data-json]` as JSON with its CSRF field, and refreshes `[data-refresh]` regions. */
export const APP_JS = `'use strict';
document.addEventListener('submit', async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-json')) return;
  event.preventDefault();
  const body = {};
  for (const [name, value] of new FormData(form)) body[name] = value;
  if (event.submitter && event.submitter.name) body[event.submitter.name] = event.submitter.value;
  const note = form.querySelector('.form-error');
  const buttons = form.querySelectorAll('button');
  buttons.forEach((b) => { b.disabled = true; });
  form.classList.add('busy');
  try {
    const res = await fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    });
    const reply = await res.json().catch(() => ({}));
    if (reply.location) return location.assign(reply.location);
    if (note) note.textContent = reply.message || 'request failed (' + res.status + ')';
  } catch (error) {
    if (note) note.textContent = String(error);
  }
  buttons.forEach((b) => { b.disabled = false; });
  form.classList.remove('busy');
});
for (const region of document.querySelectorAll('[data-refresh]')) {
  const every = Math.max(1, Number(region.getAttribute('data-refresh')) || 3) * 1000;
  if (region.querySelector('[data-final]')) continue;
  const tick = async () => {
    const res = await fetch(region.getAttribute('data-src'), { credentials: 'same-origin' }).catch(() => null);
    if (res && res.ok) region.innerHTML = await res.text();
    // Once the work is over, the whole page (buttons, report) reflects it.
    if (region.querySelector('[data-final]')) location.reload();
    else setTimeout(tick, every);
  };
  setTimeout(tick, every);
}
`;

/** The console's stylesheet: one readable table layout, status colours, a sparkline and a step timeline. */
export const STYLE_CSS = `
:root { --fg:#1d2433; --muted:#6b7385; --line:#e3e6ec; --bg:#f6f7f9; --good:#1a7f37; --warn:#9a6700; --bad:#cf222e; --info:#0969da; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; align-items:center; gap:18px; padding:10px 24px; background:#1d2433; color:#fff; }
header .brand { font-weight:700; letter-spacing:.02em; }
header nav a { color:#c9d1e3; text-decoration:none; margin-right:14px; }
header nav a.here, header nav a:hover { color:#fff; border-bottom:2px solid #7aa2ff; }
header .who { margin-left:auto; color:#c9d1e3; display:flex; gap:10px; align-items:center; }
header .who button { background:none; border:1px solid #55607a; color:#c9d1e3; border-radius:4px; padding:2px 8px; cursor:pointer; }
main { padding:18px 24px 40px; max-width:1280px; }
h1 { font-size:20px; margin:4px 0 14px; }
h2 { font-size:16px; margin:22px 0 8px; }
table { width:100%; border-collapse:collapse; background:#fff; border:1px solid var(--line); }
th, td { text-align:left; padding:7px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#fafbfc; font-weight:600; color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.03em; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
.muted { color:var(--muted); }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; background:#eef0f4; color:var(--muted); }
.badge.good { background:#dafbe1; color:var(--good); } .badge.warn { background:#fff8c5; color:var(--warn); }
.badge.bad { background:#ffebe9; color:var(--bad); } .badge.info { background:#ddf4ff; color:var(--info); }
.banner { padding:10px 14px; border-radius:6px; margin-bottom:14px; background:#ffebe9; color:var(--bad); border:1px solid #ffcecb; }
.banner.note { background:#ddf4ff; color:#0a3069; border-color:#b6e3ff; }
.spark polyline { fill:none; stroke:var(--info); stroke-width:1.5; } .spark circle { fill:var(--info); }
.cell { display:inline-block; width:18px; height:18px; border-radius:3px; background:#eef0f4; }
.cell.good { background:#2da44e; } .cell.warn { background:#d4a72c; } .cell.bad { background:#cf222e; } .cell.muted { background:#d0d7de; }
form.inline { display:inline; }
form .row { margin:8px 0; } label { display:block; font-weight:600; margin-bottom:4px; }
input[type=text], input[type=password], select, textarea { width:100%; max-width:560px; padding:7px 9px; border:1px solid #c9ced8; border-radius:4px; font:inherit; }
textarea { font-family:ui-monospace, monospace; min-height:110px; }
button.primary, button.secondary, button.danger { padding:6px 14px; border-radius:5px; border:1px solid transparent; font:inherit; font-weight:600; cursor:pointer; }
button.primary { background:#1f6feb; color:#fff; } button.secondary { background:#fff; border-color:#c9ced8; color:var(--fg); }
button.danger { background:#fff; border-color:#ffcecb; color:var(--bad); }
form.busy { opacity:.6; } .form-error { color:var(--bad); margin-left:10px; }
.filters { display:flex; gap:10px; align-items:end; margin-bottom:12px; } .filters input { width:220px; }
.card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:12px 16px; margin-bottom:12px; }
.card h3 { margin:0 0 6px; font-size:15px; } dl { display:grid; grid-template-columns:max-content 1fr; gap:3px 14px; margin:6px 0; } dt { color:var(--muted); }
.timeline .track { fill:#eef0f4; } .timeline rect.info { fill:var(--info); } .timeline rect.good { fill:#2da44e; }
.timeline rect.bad { fill:#cf222e; } .timeline rect.warn { fill:#d4a72c; } .timeline rect.muted { fill:#8c959f; }
pre { background:#fff; border:1px solid var(--line); padding:10px; overflow:auto; font-size:12px; }
.signin { max-width:460px; margin:60px auto; }
`;
