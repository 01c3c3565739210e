import type { Runtime } from '../runtime/index.js';
import { html, type SafeHtml } from './html.js';

/** A job of the embedded scheduler and its next run. */
export interface ScheduledJob {
  name: string;
  function: string;
  next: Date | null;
}

/** What every page is rendered with: the runtime, who is looking, and the request's query. */
export interface PageContext {
  runtime: Runtime;
  /** The signed-in caller, as the API names callers (`token:alice`, an OIDC email, `anonymous`). */
  caller: string;
  /** The session's CSRF token, put in every form. */
  csrf: string;
  now: Date;
  path: string;
  query: URLSearchParams;
  jobs: () => readonly ScheduledJob[];
}

const NAV = [
  ['/', 'Overview'],
  ['/console/backups', 'Backups'],
  ['/console/certificates', 'Certificates'],
  ['/console/health', 'Health'],
  ['/console/actions', 'Actions'],
  ['/console/drills', 'Drills'],
  ['/console/run', 'Run now'],
] as const;

/** The hidden CSRF field every form carries. */
export const csrfField = (ctx: Pick<PageContext, 'csrf'>) =>
  html`<input type="hidden" name="csrf" value="${ctx.csrf}">`;

/** A whole page: header with navigation and the caller, then `body`. */
export function layout(ctx: PageContext, title: string, body: SafeHtml): string {
  const here = (href: string) => (href === '/' ? ctx.path === '/' : ctx.path.startsWith(href));
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · opsfn ${ctx.runtime.config.estate}</title>
<link rel="stylesheet" href="/console/style.css"><script src="/console/app.js" defer></script></head>
<body><header><span class="brand">opsfn · ${ctx.runtime.config.estate}</span>
<nav>${NAV.map(([href, label]) => html`<a href="${href}" class="${here(href) ? 'here' : ''}">${label}</a>`)}</nav>
<span class="who">${ctx.caller}
<form class="inline" method="post" action="/console/sign-out" data-json>${csrfField(ctx)}<button type="submit">Sign out</button></form></span>
</header><main><h1>${title}</h1>
<noscript><div class="banner">The console's buttons need JavaScript: they send JSON, which no other site can make a browser send here.</div></noscript>
${body}</main></body></html>`.text;
}

/** A page for someone not signed in: sign-in and refusals. */
export function bare(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} · opsfn</title>
<link rel="stylesheet" href="/console/style.css"><script src="/console/app.js" defer></script></head>
<body><main class="signin"><h1>${title}</h1>${body}</main></body></html>`.text;
}
