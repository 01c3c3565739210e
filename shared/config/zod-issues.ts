import type * as z from 'zod';

/** Renders zod issues as `path.to.field: expectation` lines, the form every opsfn error uses. */
export function formatZodIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))]
      .filter((p) => p !== '')
      .join('.')
      .replace(/\.\[/g, '[');
    return `${path || '(root)'}: ${issue.message}`;
  });
}
