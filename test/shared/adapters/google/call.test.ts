import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { googleApi } from '../../../../shared/adapters/google/api-client.js';
import { boundedCall } from '../../../../shared/adapters/google/call.js';
import { requestJson } from '../../../../shared/adapters/google/rest.js';
import { BadInputError, DependencyError, NotFoundError } from '../../../../shared/core/errors/ops-error.js';
import { googleError, RecordingServer } from '../../../fakes/recording-server.js';

/** A googleapis-shaped error: the response's status and Google's error body. */
const answered = (status: number, reason: string) =>
  Object.assign(new Error(`Request failed with status code ${status}`), {
    response: { status, data: { error: { code: status, status: reason, message: reason.toLowerCase() } } },
  });

/** An attempt that fails with each of `failures` in turn, then answers `ok`. */
function scripted(...failures: unknown[]) {
  const calls: AbortSignal[] = [];
  const attempt = async (signal: AbortSignal) => {
    calls.push(signal);
    const failure = failures[calls.length - 1];
    if (failure !== undefined) throw failure;
    return 'ok';
  };
  return { attempt, calls };
}

const fast = { retries: 2, retryDelayMs: 1, timeoutMs: 200 };
const unsigned = { ...fast, auth: async () => undefined };

describe('boundedCall', () => {
  it('retries a read on a retryable failure until it succeeds', async () => {
    const { attempt, calls } = scripted(answered(503, 'UNAVAILABLE'), answered(429, 'RESOURCE_EXHAUSTED'));
    await expect(boundedCall(attempt, { ...fast, label: 'read', kind: 'read' })).resolves.toBe('ok');
    expect(calls).toHaveLength(3);
  });

  it('gives up on a read after its retries with the last failure', async () => {
    const { attempt, calls } = scripted(...Array.from({ length: 5 }, () => answered(500, 'INTERNAL')));
    const failure = boundedCall(attempt, { ...fast, label: 'Cloud Run x: services.get failed', kind: 'read' });
    await expect(failure).rejects.toThrow('Cloud Run x: services.get failed: HTTP 500: internal');
    expect(calls).toHaveLength(3);
  });

  it('never retries a write, even on a retryable failure', async () => {
    const { attempt, calls } = scripted(answered(503, 'UNAVAILABLE'));
    const failure = boundedCall(attempt, { ...fast, label: 'write', kind: 'write' });
    await expect(failure).rejects.toMatchObject({ kind: 'dependency', retryable: true });
    expect(calls).toHaveLength(1);
  });

  it('does not retry a read whose failure a retry cannot fix', async () => {
    const { attempt, calls } = scripted(answered(404, 'NOT_FOUND'));
    await expect(boundedCall(attempt, { ...fast, label: 'read', kind: 'read' })).rejects.toBeInstanceOf(NotFoundError);
    expect(calls).toHaveLength(1);
  });

  it('cuts off an attempt at its timeout and retries a read that timed out', async () => {
    const calls: number[] = [];
    const hang = (signal: AbortSignal) =>
      new Promise<string>((_, reject) => {
        calls.push(1);
        signal.addEventListener('abort', () => reject(signal.reason));
      });
    const failure = boundedCall(hang, { retries: 1, retryDelayMs: 1, timeoutMs: 30, label: 'GET x', kind: 'read' });
    await expect(failure).rejects.toThrow('GET x: timed out after 30ms');
    expect(calls).toHaveLength(2);
  });

  it('stops at once, not retryable, when the caller aborts', async () => {
    const caller = new AbortController();
    const { attempt, calls } = scripted(answered(503, 'UNAVAILABLE'), answered(503, 'UNAVAILABLE'));
    const aborting = async (signal: AbortSignal) => {
      caller.abort();
      return attempt(signal);
    };
    const failure = boundedCall(aborting, { ...fast, label: 'read', kind: 'read', signal: caller.signal });
    await expect(failure).rejects.toMatchObject({ message: 'read: aborted', retryable: false });
    expect(calls).toHaveLength(1);
  });
});

describe('googleApi', () => {
  interface FakeClient {
    get(params: unknown, options: { retry: false; signal: AbortSignal }): Promise<{ data: string }>;
  }

  it('loads the client once, retries reads, sends writes once, and names the resource in errors', async () => {
    let loads = 0;
    const seen: { retry: boolean }[] = [];
    const { attempt } = scripted(answered(503, 'UNAVAILABLE'), answered(503, 'UNAVAILABLE'));
    const client: FakeClient = {
      get: async (_params, options) => {
        seen.push(options);
        return { data: await attempt(options.signal) };
      },
    };
    const settings: unknown[] = [];
    const api = googleApi(
      async (given) => {
        loads++;
        settings.push(given);
        return client;
      },
      { api: 'Cloud Run', ...unsigned, rootUrl: 'http://127.0.0.1:9/ignored/path' },
    );
    await expect(api.read('services.get', 'svc', (c, o) => c.get({}, o))).resolves.toBe('ok');
    const rejecting: FakeClient = { get: async () => Promise.reject(answered(409, 'ABORTED')) };
    const write = googleApi(async () => rejecting, { api: 'Cloud Run', ...unsigned });
    const refused = write.write('services.patch', 'projects/p/services/web', (c, o) => c.get({}, o));
    await expect(refused).rejects.toBeInstanceOf(BadInputError);
    await expect(refused).rejects.toThrow('Cloud Run projects/p/services/web: services.patch failed: HTTP 409');
    expect(loads).toBe(1);
    expect(settings).toEqual([{ rootUrl: 'http://127.0.0.1:9/' }]);
    expect(seen.every((o) => o.retry === false)).toBe(true);
  });
});

describe('requestJson', () => {
  let server: RecordingServer;
  beforeEach(async () => {
    server = new RecordingServer(() => ({ status: 200, body: { ok: true } }));
    await server.start();
  });
  afterEach(() => server.stop());

  it('retries a GET on 5xx within its bound and parses the answer', async () => {
    server.failNext('GET', /\/v1\/x/, googleError(503, 'UNAVAILABLE', 'later'), 2);
    await expect(requestJson({ method: 'GET', url: `${server.url}/v1/x?q=1` }, fast)).resolves.toEqual({ ok: true });
    expect(server.find('GET', /\/v1\/x/)).toHaveLength(3);
  });

  it('sends a POST once, as JSON, and maps Google’s error by its status', async () => {
    server.failNext('POST', /\/v1\/x/, googleError(500, 'INTERNAL', 'backend error'), 5);
    const failure = requestJson({ method: 'POST', url: `${server.url}/v1/x`, body: { a: 1 } }, fast);
    await expect(failure).rejects.toThrow(`POST ${server.url}/v1/x: HTTP 500: backend error`);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.body).toEqual({ a: 1 });
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
  });

  it('refuses an answer that is not JSON, without retrying', async () => {
    const text = new RecordingServer(() => ({ status: 200 }));
    await text.start();
    try {
      await expect(requestJson({ method: 'GET', url: `${text.url}/v1/x` }, fast)).rejects.toMatchObject({
        message: `GET ${text.url}/v1/x: response is not JSON`,
        retryable: false,
      });
      expect(text.requests).toHaveLength(1);
    } finally {
      await text.stop();
    }
  });

  it('lets a caller map answers its own way, and retries only what that mapping calls retryable', async () => {
    server.failNext('GET', /\/v1\/x/, { status: 404, body: { error: 'nope' } }, 5);
    const mapAnswer = (status: number, text: string, label: string) =>
      new DependencyError(`${label} ${status} ${text}`, { retryable: false });
    const failure = requestJson({ method: 'GET', url: `${server.url}/v1/x` }, { ...fast, mapAnswer });
    await expect(failure).rejects.toThrow(`GET ${server.url}/v1/x 404 {"error":"nope"}`);
    expect(server.requests).toHaveLength(1);
  });
});
