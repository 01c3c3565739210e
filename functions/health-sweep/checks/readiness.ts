import type { DependencyStatus } from './types.js';

/** What a readiness body says: the overall status and each dependency's. */
export interface Readiness {
  status?: string;
  dependencies: DependencyStatus[];
}

const UP = new Set(['up', 'ok', 'pass', 'passed', 'healthy', 'ready', 'green', 'true', 'serving']);
const UNKNOWN = new Set(['unknown', 'warn', 'warning']);
const LISTS = ['components', 'checks', 'dependencies', 'details'] as const;
const MAX_DEPENDENCIES = 50;

/** Classifies a status word: up, down, or unknown (Spring Boot's `UNKNOWN`, a `warn`). */
export function stateOf(status: string): DependencyStatus['state'] {
  const word = status.trim().toLowerCase();
  if (UP.has(word)) return 'up';
  if (UNKNOWN.has(word)) return 'unknown';
  return 'down';
}

function statusText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'up' : 'down';
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entry = value as Record<string, unknown>;
    return statusText(entry.status ?? entry.state ?? entry.healthy ?? entry.ok);
  }
  return undefined;
}

function entriesOf(list: unknown): [string, unknown][] | undefined {
  if (Array.isArray(list)) {
    // MicroProfile Health: `checks: [{ name, status, data }]`.
    return list.map((item, i) => {
      const name = typeof item === 'object' && item !== null ? (item as { name?: unknown }).name : undefined;
      return [typeof name === 'string' ? name : `#${i}`, item];
    });
  }
  if (typeof list === 'object' && list !== null) return Object.entries(list);
  return undefined;
}

/**
 * Reads a readiness body in the shapes in common use: Spring Boot actuator (`status` + `components`, or
 * `details` before Boot 2.2), MicroProfile Health (`status` + `checks[]`), and `{ status, checks | dependencies
 * | details }` maps of names to a status word or `{ status }`. A body that is not JSON, or says neither a
 * status nor a dependency, is malformed.
 */
export function parseReadiness(body: string): Readiness | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { error: 'malformed readiness body: not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { error: 'malformed readiness body: not a JSON object' };
  }
  const root = parsed as Record<string, unknown>;
  const status = statusText(root.status);
  const key = LISTS.find((k) => entriesOf(root[k]) !== undefined);
  const dependencies: DependencyStatus[] = [];
  for (const [name, value] of key ? (entriesOf(root[key]) ?? []) : []) {
    const text = statusText(value);
    if (text === undefined) continue;
    dependencies.push({ name: name.slice(0, 100), status: text.slice(0, 40), state: stateOf(text) });
    if (dependencies.length >= MAX_DEPENDENCIES) break;
  }
  if (status === undefined && dependencies.length === 0) {
    return { error: 'malformed readiness body: no status and no dependency list' };
  }
  return { ...(status === undefined ? {} : { status }), dependencies };
}

/** `database up, redis down` for a detail line. */
export function describeDependencies(dependencies: readonly DependencyStatus[]): string {
  const shown = dependencies.slice(0, 10).map((d) => `${d.name} ${d.status.toLowerCase()}`);
  const more = dependencies.length > 10 ? ` and ${dependencies.length - 10} more` : '';
  return `${shown.join(', ')}${more}`;
}
