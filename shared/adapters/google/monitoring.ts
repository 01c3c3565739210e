import { DependencyError } from '../../core/errors/index.js';
import { createGoogleAccess, type GoogleAccess, type GoogleScope, GoogleScopes, headersOf } from './auth.js';
import type { CallBounds } from './call.js';
import { authClientFor, type GoogleAuthOption, restRoot } from './endpoint.js';
import { collectPages } from './follow.js';
import { requestJson } from './rest.js';

const MONITORING_ROOT = 'https://monitoring.googleapis.com';
// timeSeries.create takes at most 200 series per request.
const CREATE_BATCH = 200;

/** Where a Cloud Monitoring client sends its calls, how it signs them and how long each may take. */
export interface CloudMonitoringOptions extends CallBounds {
  /** API root; default `https://monitoring.googleapis.com`. */
  rootUrl?: string | undefined;
  /** Signs requests; `'none'` sends no credentials; default `access`'s client (monitoring.read / .write). */
  auth?: GoogleAuthOption;
  /** Where the default credentials come from; default a new one. */
  access?: GoogleAccess | undefined;
}

/** One `TimeSeries` as `timeSeries.list` answers it. */
export interface MonitoringSeries {
  metric?: { type?: string; labels?: Record<string, string> };
  resource?: { type?: string; labels?: Record<string, string> };
  points?: { interval?: { endTime?: string }; value?: { int64Value?: string | number; doubleValue?: number } }[];
}

interface TimeSeriesPage {
  timeSeries?: MonitoringSeries[];
  nextPageToken?: string;
  /** google.rpc.Status of query execution errors that may have left the answer incomplete. */
  executionErrors?: { code?: number; message?: string }[];
  /** Cloud regions that could not be reached, which may have left the answer incomplete. */
  unreachable?: string[];
}

/**
 * Refuses a page the API marks as possibly incomplete (`executionErrors`, `unreachable`): a ratio summed from
 * part of the series would read as a confident answer (the 5xx series missing reads as no errors).
 */
function completePage(page: TimeSeriesPage, project: string): TimeSeriesPage {
  const errors = page.executionErrors ?? [];
  const regions = page.unreachable ?? [];
  if (errors.length === 0 && regions.length === 0) return page;
  const why = [
    ...errors.map((e) => `execution error ${e.code ?? '?'}${e.message ? ` (${e.message})` : ''}`),
    ...(regions.length > 0 ? [`unreachable regions ${regions.join(', ')}`] : []),
  ];
  throw new DependencyError(
    `Cloud Monitoring timeSeries.list for ${project} answered incomplete data: ${why.join('; ')}`,
    {
      retryable: true,
      details: { executionErrors: errors, unreachable: regions },
    },
  );
}

/** The root below which a project's Cloud Monitoring PromQL API answers `/api/v1/query`. */
export function promqlRoot(rootUrl: string | undefined, project: string): string {
  return `${restRoot(rootUrl, MONITORING_ROOT)}/v1/projects/${project}/location/global/prometheus`;
}

/**
 * Cloud Monitoring over plain REST (no gax client, so no protobuf load on a cold start): `timeSeries.list`
 * reads (retried within the bounds) and `timeSeries.create` writes (never retried).
 */
export class CloudMonitoring {
  private readonly root: string;
  private readonly access: GoogleAccess;

  constructor(private readonly options: CloudMonitoringOptions = {}) {
    this.root = restRoot(options.rootUrl, MONITORING_ROOT);
    this.access = options.access ?? createGoogleAccess();
  }

  /** The `timeSeries` URL of a project, with `params` as its query. */
  timeSeriesUrl(project: string, params?: URLSearchParams): string {
    return `${this.root}/v3/projects/${encodeURIComponent(project)}/timeSeries${params ? `?${params}` : ''}`;
  }

  /** The request headers for `scope`: none with `auth: 'none'`. */
  async headers(scope: GoogleScope): Promise<Record<string, string>> {
    const client = await authClientFor(this.options.auth, this.access, scope);
    return client ? headersOf(client, 'Cloud Monitoring') : {};
  }

  /** Every series `timeSeries.list` answers for `params`, following at most `maxPages` pages. */
  async listTimeSeries(
    project: string,
    params: URLSearchParams,
    signal?: AbortSignal,
    maxPages = 10,
  ): Promise<MonitoringSeries[]> {
    const headers = await this.headers(GoogleScopes.monitoringRead);
    return collectPages(
      async (pageToken) => {
        const query = new URLSearchParams(params);
        if (pageToken) query.set('pageToken', pageToken);
        const page = completePage(
          (await requestJson(
            { method: 'GET', url: this.timeSeriesUrl(project, query), headers },
            { ...this.options, signal },
          )) as TimeSeriesPage,
          project,
        );
        return { items: page.timeSeries ?? [], next: page.nextPageToken };
      },
      { maxPages },
    );
  }

  /** Writes `series` with `timeSeries.create`, 200 per request; returns how many were written. */
  async createTimeSeries(project: string, series: readonly unknown[], signal?: AbortSignal): Promise<number> {
    if (series.length === 0) return 0;
    const headers = await this.headers(GoogleScopes.monitoringWrite);
    let written = 0;
    for (let at = 0; at < series.length; at += CREATE_BATCH) {
      const batch = series.slice(at, at + CREATE_BATCH);
      await requestJson(
        { method: 'POST', url: this.timeSeriesUrl(project), headers, body: { timeSeries: batch } },
        { ...this.options, signal },
      );
      written += batch.length;
    }
    return written;
  }
}
