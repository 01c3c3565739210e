/** Trace fields for Cloud Logging, from a W3C `traceparent` or an `X-Cloud-Trace-Context` header. */
export interface TraceContext {
  traceId: string;
  spanId?: string;
  sampled?: boolean;
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/i;
const CLOUD_TRACE = /^([\da-f]{32})(?:\/(\d+))?(?:;o=([01]))?$/i;

/** Reads the trace context of a request; undefined when neither header is present and well-formed. */
export function traceFromHeaders(headers: Record<string, string | undefined>): TraceContext | undefined {
  const parent = headers.traceparent?.trim();
  const w3c = parent ? TRACEPARENT.exec(parent) : null;
  if (w3c?.[1] && w3c[2] && !/^0+$/.test(w3c[1])) {
    return {
      traceId: w3c[1].toLowerCase(),
      spanId: w3c[2].toLowerCase(),
      sampled: (Number.parseInt(w3c[3] ?? '0', 16) & 1) === 1,
    };
  }
  const cloud = headers['x-cloud-trace-context']?.trim();
  const gcp = cloud ? CLOUD_TRACE.exec(cloud) : null;
  if (gcp?.[1]) {
    // The Cloud header carries the span id in decimal; Cloud Logging wants 16 hex digits.
    const spanId = gcp[2] ? BigInt(gcp[2]).toString(16).padStart(16, '0').slice(-16) : undefined;
    return {
      traceId: gcp[1].toLowerCase(),
      ...(spanId ? { spanId } : {}),
      ...(gcp[3] ? { sampled: gcp[3] === '1' } : {}),
    };
  }
  return undefined;
}

/** The special Cloud Logging keys for a trace context; empty when there is none. */
export function traceFields(trace: TraceContext | undefined, project: string | undefined): Record<string, unknown> {
  if (!trace) return {};
  return {
    'logging.googleapis.com/trace': project ? `projects/${project}/traces/${trace.traceId}` : trace.traceId,
    ...(trace.spanId ? { 'logging.googleapis.com/spanId': trace.spanId } : {}),
    ...(trace.sampled === undefined ? {} : { 'logging.googleapis.com/trace_sampled': trace.sampled }),
  };
}
