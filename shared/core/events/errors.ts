import { BadInputError } from '../errors/index.js';
import type * as z from '../schema/index.js';

/** One rejected field of an intake body: its dotted path and what was expected there. */
export interface IntakeIssue {
  path: string;
  message: string;
}

const MAX_REPORTED_ISSUES = 10;
const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** Renders a path like `alerts[0].labels["team name"]` from its segments. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out === '' ? 'body' : out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  return issue.message
    .replace(/^(Invalid input|Invalid option|Invalid string|Too big|Too small): /, '')
    .replace(/, received undefined$/, ' (missing)')
    .replace(/expected record\b/, 'expected object');
}

/** Builds the `BadInputError` for a body that failed its format's schema, naming the first failing field. */
export function intakeError(format: string, prefix: readonly PropertyKey[], error: z.core.$ZodError): BadInputError {
  const issues: IntakeIssue[] = error.issues.slice(0, MAX_REPORTED_ISSUES).map((issue) => ({
    path: formatPath([...prefix, ...issue.path]),
    message: describeIssue(issue),
  }));
  const first = issues[0] ?? { path: formatPath(prefix), message: 'invalid' };
  return new BadInputError(`${format}: ${first.path}: ${first.message}`, {
    cause: error,
    details: { format, issues },
  });
}

/** Builds the `BadInputError` for one failing field outside a schema (a header, a decoded payload). */
export function fieldError(format: string, path: string, message: string, cause?: unknown): BadInputError {
  return new BadInputError(`${format}: ${path}: ${message}`, {
    cause,
    details: { format, issues: [{ path, message }] },
  });
}

/** Parses `value` with `schema`, or throws the intake error naming the first failing field under `prefix`. */
export function parseOrThrow<T extends z.ZodMiniType>(
  schema: T,
  value: unknown,
  format: string,
  prefix: readonly PropertyKey[] = [],
): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw intakeError(format, prefix, result.error);
  return result.data;
}
