import * as z from '../schema/index.js';

/**
 * Bounds on what one request may carry; anything beyond is hostile or broken and is rejected
 * rather than truncated, so no alert of a batch is silently dropped.
 */
export const IntakeLimits = {
  alertsPerBatch: 1000,
  labelsPerMap: 256,
  labelKeyLength: 256,
  labelValueLength: 4096,
  annotationValueLength: 65_536,
  idLength: 512,
} as const;

function boundedMap(valueLength: number) {
  return z
    .record(
      z
        .string()
        .check(
          z.maxLength(
            IntakeLimits.labelKeyLength,
            `expected keys of at most ${IntakeLimits.labelKeyLength} characters`,
          ),
        ),
      z.string().check(z.maxLength(valueLength, `expected values of at most ${valueLength} characters`)),
    )
    .check(
      z.refine((map) => Object.keys(map).length <= IntakeLimits.labelsPerMap, {
        message: `expected at most ${IntakeLimits.labelsPerMap} entries`,
      }),
    );
}

// Intake's schemas are built on the first parse that needs them (`z.lazy`), not at import: a cold start
// parses one wire format, and building every format's schemas would be a quarter of what it builds.

/** A `string → string` label map of bounded size. */
export const BoundedLabelsSchema = z.lazy(() => boundedMap(IntakeLimits.labelValueLength));

/** A `string → string` annotation map of bounded size; values may be long descriptions. */
export const BoundedAnnotationsSchema = z.lazy(() => boundedMap(IntakeLimits.annotationValueLength));

/** A non-empty identifier that goes into a trigger id. */
export const IdPartSchema = z.lazy(() =>
  z
    .string()
    .check(
      z.minLength(1, 'expected a non-empty string'),
      z.maxLength(IntakeLimits.idLength, `expected at most ${IntakeLimits.idLength} characters`),
    ),
);

/** An RFC 3339 time such as `2026-01-01T10:00:00.000Z`, any sub-second precision, any offset. */
export const Rfc3339Schema = z.lazy(() => z.iso.datetime({ offset: true, error: 'expected RFC 3339 time' }));

/** Normalizes an RFC 3339 time to the ISO form `toISOString` gives (UTC, milliseconds). */
export function toIsoTime(rfc3339: string): string {
  return new Date(rfc3339).toISOString();
}

/** Parses a number out of a string like `"12.000"`; undefined when empty or not numeric. */
export function parseNumeric(value: string | number | null | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}
