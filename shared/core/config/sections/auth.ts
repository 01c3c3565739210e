import * as z from '../../schema/index.js';
import { SecretRefSchema } from '../types.js';

/**
 * One route a scoped token may call, as `METHOD /subpath`: `"POST /"` is the function's trigger
 * intake, `"POST /approve"` one extra route, `"GET /*"` every GET route of the function.
 */
export const RoutePatternSchema = z
  .string()
  .check(
    z.regex(/^(GET|POST) \/[A-Za-z0-9_./-]*\*?$/, 'expected "METHOD /path" like "POST /", "POST /approve" or "GET /*"'),
  );

/**
 * What a scoped token may call: one function (or `control`, the kill switch's routes on `opsfn serve`, or `metrics`,
 * its `GET /metrics`), all of its
 * routes unless `routes` narrows them, and every kind of trigger at its intake unless `triggers` narrows them (an
 * Alertmanager token: `[alert]`, so it cannot order a manual rollback or scale).
 */
export const GrantSchema = z.strictObject({
  function: z.string().check(z.regex(/^[a-z][A-Za-z0-9]*$/, 'expected a function entry point like "rollback"')),
  routes: z.optional(z.array(RoutePatternSchema).check(z.minLength(1))),
  triggers: z.optional(z.array(z.enum(['alert', 'manual', 'scheduled'])).check(z.minLength(1))),
});
export type Grant = z.infer<typeof GrantSchema>;

/** A named bearer token; the caller becomes `token:<name>`, limited to `allow` when it is given. */
export const ScopedTokenSchema = z.strictObject({
  name: z.string().check(z.regex(/^[a-z][a-z0-9-]{0,62}$/, 'expected a lower-case name like "alertmanager"')),
  token: SecretRefSchema,
  allow: z.optional(z.array(GrantSchema).check(z.minLength(1))),
});
export type ScopedToken = z.infer<typeof ScopedTokenSchema>;

/** An entry of `auth.tokens`: a bare secret ref (caller `token:<index>`, every route) or a scoped token. */
export const TokenEntrySchema = z.union([SecretRefSchema, ScopedTokenSchema]);
export type TokenEntry = z.infer<typeof TokenEntrySchema>;

const Emails = z.optional(z.array(z.email({ error: 'expected an email address' })));

/**
 * Google-signed ID tokens. Anyone can mint one for any audience, so the callers are named: `emails`,
 * `domains` (the token's hosted domain `hd`, or a service account's email domain), `subjects`, and `scheduler`,
 * the service accounts of Cloud Scheduler and Pub/Sub push whose triggers may claim to be scheduled.
 */
export const OidcConfigSchema = z
  .strictObject({
    audience: z.union([
      z.string().check(z.minLength(1)),
      z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
    ]),
    emails: Emails,
    domains: z.optional(
      z.array(z.string().check(z.regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'expected a domain like "example.com"'))),
    ),
    subjects: z.optional(z.array(z.string().check(z.minLength(1)))),
    scheduler: Emails,
  })
  .check(
    z.refine(
      (oidc) => [oidc.emails, oidc.domains, oidc.subjects, oidc.scheduler].some((list) => (list?.length ?? 0) > 0),
      {
        message:
          'name who may call: emails, domains, subjects or scheduler (any Google identity can mint a token for any audience)',
      },
    ),
  );
export type OidcConfig = z.infer<typeof OidcConfigSchema>;

/**
 * Who may call the HTTP entry points: bearer `tokens` and/or Google `oidc` tokens checked by opsfn,
 * or `mode: platform`, where Cloud Run IAM alone decides and opsfn checks nothing.
 */
export const AuthConfigSchema = z
  .strictObject({
    mode: z._default(z.enum(['app', 'platform']), 'app'),
    tokens: z._default(z.array(TokenEntrySchema), []),
    oidc: z.optional(OidcConfigSchema),
  })
  .check(
    z.superRefine((auth, ctx) => {
      if (auth.mode === 'platform' && (auth.tokens.length > 0 || auth.oidc)) {
        ctx.addIssue({
          code: 'custom',
          path: ['mode'],
          message: 'platform mode checks no credentials in opsfn: drop tokens and oidc, or drop mode',
        });
      }
      if (auth.mode === 'app' && auth.tokens.length === 0 && !auth.oidc) {
        ctx.addIssue({
          code: 'custom',
          path: [],
          message: 'give tokens or oidc, or mode: platform (Cloud Run IAM only)',
        });
      }
      const seen = new Set<string>();
      for (const [i, entry] of auth.tokens.entries()) {
        if (!('name' in entry)) continue;
        if (seen.has(entry.name))
          ctx.addIssue({
            code: 'custom',
            path: ['tokens', i, 'name'],
            message: `duplicate token name "${entry.name}"`,
          });
        seen.add(entry.name);
      }
    }),
  );
export type AuthConfig = z.infer<typeof AuthConfigSchema>;
