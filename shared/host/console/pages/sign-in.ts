import type { Runtime } from '../../runtime/index.js';
import type { ConsoleReply } from '../console-actions.js';
import { html } from '../html.js';
import { bare } from '../page.js';
import { cookie, readCookie, Sessions, SIGN_IN_COOKIE } from '../session.js';

// The sign-in form's CSRF token lives as long as someone may take to find their token.
const SIGN_IN_TTL_MS = 30 * 60_000;

/** The sign-in form: a token the API accepts (`auth.tokens`, or a Google ID token from an allowed identity). */
export function signInPage(runtime: Runtime, open: boolean, headers: Record<string, string | undefined>): ConsoleReply {
  if (open) return { status: 303, type: 'html', body: '', headers: { location: '/' } };
  const held = readCookie(headers, SIGN_IN_COOKIE);
  const token = held && /^[A-Za-z0-9_-]{43}$/.test(held) ? held : Sessions.signInToken();
  const body = bare(
    `Sign in to ${runtime.config.estate}`,
    html`<p>Use a credential the opsfn API accepts: a token from <code>auth.tokens</code>, or a Google ID token of an identity <code>auth.oidc</code> allows (<code>gcloud auth print-identity-token</code>). It is checked once; the browser then holds a session cookie for 8 hours.</p>
<form method="post" action="/console/sign-in" data-json><input type="hidden" name="csrf" value="${token}">
<div class="row"><label for="token">token</label><input type="password" id="token" name="token" autocomplete="off" autofocus></div>
<button class="primary" type="submit">Sign in</button><span class="form-error"></span></form>`,
  );
  return {
    status: 200,
    type: 'html',
    body,
    headers: { 'set-cookie': cookie(SIGN_IN_COOKIE, token, SIGN_IN_TTL_MS, headers) },
  };
}
