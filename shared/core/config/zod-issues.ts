import type * as z from '../schema/index.js';

/** How many issues an error message echoes; the rest are counted, so a hostile payload cannot grow the reply. */
export const MAX_ECHOED_ISSUES = 20;

function formatIssue(issue: z.core.$ZodIssue, prefix: string): string {
  const path = [prefix, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))]
    .filter((p) => p !== '')
    .join('.')
    .replace(/\.\[/g, '[');
  return `${path || '(root)'}: ${issue.message}`;
}

/** Renders zod issues as `path.to.field: expectation` lines, the form every opsfn error uses. */
export function formatZodIssues(error: z.core.$ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => formatIssue(issue, prefix));
}

/** The first `max` issues joined with `; `, then `… and N more` when there are more. */
export function summarizeZodIssues(error: z.core.$ZodError, max = MAX_ECHOED_ISSUES): string {
  const shown = error.issues.slice(0, max).map((issue) => formatIssue(issue, ''));
  const more = error.issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')}; … and ${more} more` : shown.join('; ');
}
