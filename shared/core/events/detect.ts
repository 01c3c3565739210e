import { BadInputError } from '../errors/index.js';
import { parseAlertmanagerBatch } from './alertmanager.js';
import { looksLikeCloudMonitoring, parseCloudMonitoring } from './cloud-monitoring.js';
import { parseBinaryCloudEvent, parseStructuredCloudEvent } from './cloudevent.js';
import { parseGrafanaBatch } from './grafana.js';
import { parseManual } from './manual.js';
import { isUnwrappedPush, looksLikePubsubPush, parsePubsubPush, parseUnwrappedPush } from './pubsub.js';
import { cloudEventHeaders, isJsonObject, type JsonObject, jsonType, readBody, readHeader } from './request.js';
import { isSchedulerRequest, parseSchedulerHttp } from './scheduler.js';
import type { IncomingRequest, Intake, Trigger } from './trigger.js';

/** What intake needs besides the request: an id generator for manual runs and the clock. */
export interface IntakeOptions {
  newId: () => string;
  now: () => Date;
}

/** A webhook batch's intake: its valid alerts' triggers, and the alerts refused one by one when there are any. */
function batch(format: 'grafana' | 'alertmanager', parsed: { triggers: Trigger[]; rejected: string[] }): Intake {
  return { format, triggers: parsed.triggers, ...(parsed.rejected.length > 0 ? { rejected: parsed.rejected } : {}) };
}

function isGrafana(body: JsonObject): boolean {
  return 'orgId' in body || (body.version === '1' && 'alerts' in body);
}

function isAlertmanager(body: JsonObject): boolean {
  return body.version === '4' || 'alerts' in body;
}

// A body that carries a known format's markers is parsed as that format, so a malformed
// alert is rejected by name and never falls through to a manual run.
function parseMarkedBody(
  body: JsonObject,
  headers: IncomingRequest['headers'],
  options: IntakeOptions,
): Intake | undefined {
  const contentType = (readHeader(headers, 'content-type') ?? '').toLowerCase();
  if ('specversion' in body || contentType.startsWith('application/cloudevents+json')) {
    return { format: 'cloudevent-structured', triggers: parseStructuredCloudEvent(body, options.now) };
  }
  if (looksLikePubsubPush(body)) return { format: 'pubsub-push', triggers: parsePubsubPush(body, options.now) };
  if (looksLikeCloudMonitoring(body)) return { format: 'cloud-monitoring', triggers: [parseCloudMonitoring(body)] };
  if (isGrafana(body)) return batch('grafana', parseGrafanaBatch(body));
  if (isAlertmanager(body)) return batch('alertmanager', parseAlertmanagerBatch(body));
  return undefined;
}

/**
 * Detects the wire format of a request and parses it into triggers; throws `BadInputError` naming the
 * failing field for anything malformed, unknown or oversized.
 * @example parseRequest({ method: 'POST', path: '/rollback', headers, body }, { newId: randomUUID, now: () => new Date() })
 */
export function parseRequest(req: IncomingRequest, options: IntakeOptions): Intake {
  const body = readBody(req.body);
  if (Object.keys(cloudEventHeaders(req.headers)).length > 0) {
    return { format: 'cloudevent-binary', triggers: parseBinaryCloudEvent(req.headers, body, options.now) };
  }
  if (isUnwrappedPush(req.headers)) {
    return { format: 'pubsub-unwrapped', triggers: parseUnwrappedPush(req.headers, body, options.now) };
  }
  if (body !== undefined && !isJsonObject(body)) {
    throw new BadInputError(`body: expected a JSON object, got ${jsonType(body)}`, {
      details: { issues: [{ path: 'body', message: 'expected a JSON object' }] },
    });
  }
  const marked = body === undefined ? undefined : parseMarkedBody(body, req.headers, options);
  if (marked) return marked;
  if (isSchedulerRequest(req.headers)) {
    return { format: 'scheduler-http', triggers: [parseSchedulerHttp(req.headers, body, options)] };
  }
  return { format: 'manual', triggers: [parseManual(req.headers, body, options)] };
}
