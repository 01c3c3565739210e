import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EstateSchema } from '../../../../functions/estate.js';
import { main } from '../../../../shared/host/cli/main.js';
import { captureIo } from '../../../support/cli-io.js';
import { configIssues } from '../../../support/estate.js';

describe('auth config', () => {
  it.each([
    ['auth: { oidc: { audience: https://fn.example } }', 'auth.oidc: name who may call: emails, domains, subjects'],
    ['auth: { oidc: { audience: https://fn.example, emails: [] } }', 'auth.oidc: name who may call'],
    ['auth: { oidc: { audience: https://fn.example, emails: [not-an-email] } }', 'auth.oidc.emails[0]'],
    ['auth: { oidc: { audience: https://fn.example, domains: ["*"] } }', 'auth.oidc.domains[0]'],
    ['auth: {}', 'auth: give tokens or oidc, or mode: platform'],
    ['auth: { mode: platform, tokens: [ { env: T } ] }', 'auth.mode: platform mode checks no credentials'],
    ['auth: { mode: cloud }', 'auth.mode'],
    [
      'auth: { tokens: [ { name: am, token: { env: T }, allow: [ { function: rollback, routes: ["PUT /"] } ] } ] }',
      'auth.tokens[0]',
    ],
    [
      'auth: { tokens: [ { name: a, token: { env: T } }, { name: a, token: { env: U } } ] }',
      'auth.tokens[1].name: duplicate token name "a"',
    ],
    ['limits: { timeout: 2h }', 'limits.timeout: expected at most 1h'],
  ])('rejects %s naming %s', async (text, expected) => {
    expect((await configIssues(text)).join('\n')).toContain(expected);
  });

  it('accepts legacy token refs, scoped tokens, platform mode and every OIDC allow list', async () => {
    expect(
      await configIssues(`
auth:
  tokens:
    - env: OPSFN_TOKEN
    - name: alertmanager
      token: { secret: projects/p/secrets/am/versions/latest }
      allow:
        - { function: rollback, routes: ["POST /"] }
        - { function: autoscale }
  oidc:
    audience: [https://a.example, https://b.example]
    emails: [ana@example.com]
    domains: [example.com]
    subjects: ["1234"]
    scheduler: [opsfn-invoker@p.iam.gserviceaccount.com]
`),
    ).toEqual([]);
    expect(await configIssues('auth: { mode: platform }')).toEqual([]);
  });

  it('makes `opsfn config validate` exit 2 naming auth.oidc for an audience-only OIDC config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsfn-auth-'));
    const file = join(dir, 'opsfn.yaml');
    writeFileSync(file, 'auth:\n  oidc:\n    audience: https://fn.example\n');
    const io = captureIo({});
    expect(await main(['config', 'validate', file], { functions: [], estate: EstateSchema, io })).toBe(2);
    expect(io.stderr()).toContain('auth.oidc: name who may call');
  });
});
