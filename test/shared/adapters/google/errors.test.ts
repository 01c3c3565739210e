import { describe, expect, it } from 'vitest';
import { answerStatusOf, failureOf, failureOfError, googleError } from '../../../../shared/adapters/google/errors.js';
import { BadInputError, DependencyError, NotFoundError } from '../../../../shared/core/errors/ops-error.js';

const body = (code: number, status: string, extra: Record<string, unknown> = {}) => ({
  error: { code, status, message: `said ${status}`, ...extra },
});

describe('googleError', () => {
  it.each([
    [400, body(400, 'INVALID_ARGUMENT'), BadInputError, false],
    [400, body(400, 'FAILED_PRECONDITION'), BadInputError, false],
    [401, body(401, 'UNAUTHENTICATED'), DependencyError, false],
    [403, body(403, 'PERMISSION_DENIED'), DependencyError, false],
    [403, body(403, 'PERMISSION_DENIED', { details: [{ reason: 'SERVICE_DISABLED' }] }), DependencyError, false],
    [403, body(403, 'PERMISSION_DENIED', { errors: [{ reason: 'rateLimitExceeded' }] }), DependencyError, true],
    [403, body(403, 'PERMISSION_DENIED', { errors: [{ reason: 'userRateLimitExceeded' }] }), DependencyError, true],
    [403, body(403, 'PERMISSION_DENIED', { details: [{ reason: 'RATE_LIMIT_EXCEEDED' }] }), DependencyError, true],
    [404, body(404, 'NOT_FOUND'), NotFoundError, false],
    [408, {}, DependencyError, true],
    [409, body(409, 'ABORTED'), BadInputError, false],
    [409, body(409, 'ALREADY_EXISTS'), BadInputError, false],
    [412, body(412, 'FAILED_PRECONDITION'), BadInputError, false],
    [422, {}, BadInputError, false],
    [429, body(429, 'RESOURCE_EXHAUSTED'), DependencyError, true],
    [500, body(500, 'INTERNAL'), DependencyError, true],
    [503, body(503, 'UNAVAILABLE'), DependencyError, true],
    [undefined, undefined, DependencyError, true],
  ])('maps HTTP %s %j to its class and retryability', (status, answer, type, retryable) => {
    const error = googleError('Cloud Run x: services.get failed', failureOf(status, answer, 'no answer'));
    expect(error).toBeInstanceOf(type);
    expect(error.retryable).toBe(retryable);
    expect(answerStatusOf(error)).toBe(status);
  });

  it('judges by status and reason, not by what the message says', () => {
    const failure = failureOf(403, { error: { code: 403, message: 'Quota exceeded, rate limit, try later' } }, '');
    expect(googleError('x', failure).retryable).toBe(false);
  });

  it('names the call, the status and Google’s message, and keeps the reasons', () => {
    const failure = failureOf(403, body(403, 'PERMISSION_DENIED', { errors: [{ reason: 'forbidden' }] }), '');
    const error = googleError('SQL Admin p1/db: instances.get failed', failure, new Error('cause'));
    expect(error.message).toBe('SQL Admin p1/db: instances.get failed: HTTP 403: said PERMISSION_DENIED');
    expect(error.details).toEqual({ status: 403, reasons: ['PERMISSION_DENIED', 'forbidden'] });
    expect(error.cause).toBeInstanceOf(Error);
  });
});

describe('failureOf', () => {
  it('reads an error body given as text, and falls back to the text when it is not Google’s shape', () => {
    expect(failureOf(404, JSON.stringify(body(404, 'NOT_FOUND')), 'raw')).toEqual({
      status: 404,
      reasons: ['NOT_FOUND'],
      message: 'said NOT_FOUND',
    });
    expect(failureOf(502, '<html>bad gateway</html>', '<html>bad gateway</html>')).toEqual({
      status: 502,
      reasons: [],
      message: '<html>bad gateway</html>',
    });
    expect(failureOf(400, { status: 'error', error: 'parse error' }, 'raw text')).toMatchObject({
      message: 'raw text',
    });
  });

  it('reads a googleapis error: the response’s status and body, else the error’s own message', () => {
    const gaxios = Object.assign(new Error('Request failed with status code 404'), {
      response: { status: 404, data: body(404, 'NOT_FOUND') },
    });
    expect(failureOfError(gaxios)).toEqual({ status: 404, reasons: ['NOT_FOUND'], message: 'said NOT_FOUND' });
    expect(failureOfError(new Error('connect ECONNREFUSED 127.0.0.1:9\nstack'))).toEqual({
      status: undefined,
      reasons: [],
      message: 'connect ECONNREFUSED 127.0.0.1:9',
    });
  });
});
