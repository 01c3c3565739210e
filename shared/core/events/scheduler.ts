import { fieldError, parseOrThrow } from './errors.js';
import { IdPartSchema, Rfc3339Schema, toIsoTime } from './limits.js';
import { type HeaderMap, isJsonObject, jsonType, readHeader } from './request.js';
import type { ScheduledTrigger } from './trigger.js';

const FORMAT = 'scheduler-http';

/** Whether a request carries the headers Cloud Scheduler sets on HTTP-target jobs (`X-CloudScheduler`, `X-CloudScheduler-JobName`). */
export function isSchedulerRequest(headers: HeaderMap): boolean {
  return (
    readHeader(headers, 'x-cloudscheduler')?.trim().toLowerCase() === 'true' ||
    readHeader(headers, 'x-cloudscheduler-jobname') !== undefined
  );
}

/**
 * Parses a Cloud Scheduler HTTP-target request into a scheduled trigger, id `sched:<job>:<scheduleTime>`.
 * Without `X-CloudScheduler-ScheduleTime` (a forced run) the id falls back to a fresh one: such a run
 * has no identity to dedupe on.
 */
export function parseSchedulerHttp(
  headers: HeaderMap,
  payload: unknown,
  options: { newId: () => string; now: () => Date },
): ScheduledTrigger {
  const job = parseOrThrow(IdPartSchema, readHeader(headers, 'x-cloudscheduler-jobname'), FORMAT, [
    'headers',
    'x-cloudscheduler-jobname',
  ]);
  const rawTime = readHeader(headers, 'x-cloudscheduler-scheduletime');
  const scheduleTime =
    rawTime === undefined
      ? undefined
      : parseOrThrow(Rfc3339Schema, rawTime, FORMAT, ['headers', 'x-cloudscheduler-scheduletime']);
  if (payload !== undefined && !isJsonObject(payload)) {
    throw fieldError(FORMAT, 'body', `expected a JSON object payload, got ${jsonType(payload)}`);
  }
  return {
    kind: 'scheduled',
    id: `sched:${job}:${scheduleTime ?? options.newId()}`,
    job,
    scheduledAt: scheduleTime ? toIsoTime(scheduleTime) : options.now().toISOString(),
    payload: payload ?? {},
  };
}
