import { describe, expect, it } from 'vitest';
import { guardRequest } from '../../../../shared/host/runtime/request-guard.js';

const json = { 'content-type': 'application/json' };
const statusOf = (method: string, headers: Record<string, string>, loopback = true) =>
  guardRequest(method, headers, { loopback })?.status ?? 'ok';

describe('guardRequest', () => {
  it.each(['127.0.0.1:8080', '127.9.9.9', 'localhost:8080', 'LOCALHOST', 'app.localhost:8080', '[::1]:8080'])(
    'admits the loopback Host %s on a loopback server',
    (host) => expect(statusOf('POST', { ...json, host })).toBe('ok'),
  );

  it.each(['rebind.evil.example:8080', 'evil@127.0.0.1', '127.0.0.1/x', '0.0.0.0:8080', '10.0.0.7', '[::2]', ''])(
    'refuses the Host %j on a loopback server with 421',
    (host) => expect(statusOf('POST', { ...json, ...(host ? { host } : {}) })).toBe(421),
  );

  it('refuses a Host other than the names it was given without telling them', () => {
    const hosts = ['opsfn.internal.example', 'opsfn-admin.corp.example'];
    const refusal = guardRequest('GET', { host: 'attacker.example' }, { loopback: false, hosts });
    expect(refusal?.status).toBe(421);
    expect(refusal?.message).not.toContain('opsfn');
    expect(guardRequest('GET', { host: 'opsfn.internal.example:8080' }, { loopback: false, hosts })).toBeUndefined();
  });

  it('takes any Host when the server does not listen on loopback only', () => {
    expect(statusOf('POST', { ...json, host: 'opsfn.internal.example' }, false)).toBe('ok');
  });

  it.each([
    ['its own Origin', { origin: 'http://127.0.0.1:8080' }, 'ok'],
    ['its own Origin on the default port', { host: 'fn.example', origin: 'https://fn.example' }, 'ok'],
    ['a same-origin fetch', { 'sec-fetch-site': 'same-origin' }, 'ok'],
    ['a typed URL', { 'sec-fetch-site': 'none' }, 'ok'],
    ['another port', { origin: 'http://127.0.0.1:3000' }, 403],
    ['another site', { origin: 'https://evil.example' }, 403],
    ['an opaque Origin', { origin: 'null' }, 403],
    ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }, 403],
    ['a same-site fetch', { 'sec-fetch-site': 'same-site' }, 403],
  ])('judges %s', (_what, extra, expected) => {
    expect(statusOf('POST', { ...json, host: '127.0.0.1:8080', ...extra }, !('host' in extra))).toBe(expected);
  });

  it.each([
    ['application/json; charset=utf-8', 'ok'],
    ['application/cloudevents+json', 'ok'],
    ['text/plain;charset=UTF-8', 415],
    ['application/x-www-form-urlencoded', 415],
    ['multipart/form-data; boundary=x', 415],
    ['', 415],
  ])('judges a POST of %j', (type, expected) => {
    const headers: Record<string, string> = { host: '127.0.0.1:8080', ...(type ? { 'content-type': type } : {}) };
    expect(statusOf('POST', headers)).toBe(expected);
  });

  it('takes an unwrapped Pub/Sub push in any media type and a GET without one', () => {
    const push = {
      host: '127.0.0.1',
      'content-type': 'application/x-www-form-urlencoded',
      'x-goog-pubsub-message-id': '7',
    };
    expect(statusOf('POST', push)).toBe('ok');
    expect(statusOf('GET', { host: '127.0.0.1' })).toBe('ok');
  });
});
