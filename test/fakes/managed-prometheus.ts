import { type FakeReply, googleError, RecordingServer } from './recording-server.js';

/**
 * Google Cloud Managed Service for Prometheus' query API: the Prometheus HTTP API under
 * `/v1/projects/{project}/location/global/prometheus/api/v1/`, which, unlike a self-hosted Prometheus,
 * refuses a request without a Google OAuth 2.0 access token (401 UNAUTHENTICATED). See
 * https://cloud.google.com/stackdriver/docs/managed-prometheus/query-api-ui and test/fakes/README.md.
 */
export class FakeManagedPrometheus {
  readonly server = new RecordingServer((r) => {
    const m = /^\/v1\/projects\/([^/]+)\/location\/global\/prometheus\/api\/v1\/query$/.exec(r.path);
    if (!m) return googleError(404, 'NOT_FOUND', `no route ${r.method} ${r.path}`);
    const auth = String(r.headers.authorization ?? '');
    if (!auth.startsWith('Bearer ') || !this.tokens.has(auth.slice('Bearer '.length))) {
      return googleError(
        401,
        'UNAUTHENTICATED',
        'Request is missing required authentication credential. Expected OAuth 2 access token.',
      );
    }
    return this.answer(r.query.get('query') ?? '');
  });
  /** Access tokens the fake accepts, as if issued by Google for a caller with monitoring.timeSeries.list. */
  readonly tokens = new Set<string>();
  /** The vector answered for a query; an empty one by default. */
  answer: (query: string) => FakeReply = () => vector();

  /** The base URL to configure as `endpoints.prometheus.url` for `project`. */
  baseUrl(project: string): string {
    return `${this.server.url}/v1/projects/${project}/location/global/prometheus`;
  }
}

/** A Prometheus instant-vector success body with one sample per value. */
export function vector(...values: string[]): FakeReply {
  return {
    status: 200,
    body: {
      status: 'success',
      data: { resultType: 'vector', result: values.map((v) => ({ metric: {}, value: [1, v] })) },
    },
  };
}
