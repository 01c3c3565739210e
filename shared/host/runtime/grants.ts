import type { Grant } from '../../core/config/index.js';
import type { Caller } from './auth.js';

/** One request as the allow list of a scoped token sees it. */
export interface RouteCall {
  function: string;
  method: string;
  /** The route below the function's path, '' for its trigger intake. */
  subpath: string;
}

function matchesPattern(pattern: string, call: RouteCall): boolean {
  const space = pattern.indexOf(' ');
  const method = pattern.slice(0, space);
  const path = pattern.slice(space + 1);
  if (method !== call.method) return false;
  const requested = `/${call.subpath}`;
  return path.endsWith('*') ? requested.startsWith(path.slice(0, -1)) : requested === path;
}

/** Whether a grant list lets a call through: a grant for the function, with no routes or a matching one. */
export function grantsAllow(grants: readonly Grant[], call: RouteCall): boolean {
  return grants.some(
    (grant) =>
      grant.function === call.function &&
      (grant.routes === undefined || grant.routes.some((pattern) => matchesPattern(pattern, call))),
  );
}

/**
 * The trigger kinds `caller` may send to `call`'s intake: undefined when any (no allow list, or a matching grant
 * that does not narrow them), else those its matching grants name.
 */
export function triggerKindsFor(caller: Caller, call: RouteCall): ReadonlySet<string> | undefined {
  if (caller.allow === undefined) return undefined;
  const kinds = new Set<string>();
  for (const grant of caller.allow) {
    if (grant.function !== call.function) continue;
    if (grant.routes !== undefined && !grant.routes.some((pattern) => matchesPattern(pattern, call))) continue;
    if (grant.triggers === undefined) return undefined;
    for (const kind of grant.triggers) kinds.add(kind);
  }
  return kinds;
}

/** Whether `caller` may make `call`: callers without an allow list may call every route. */
export function callerMay(caller: Caller, call: RouteCall): boolean {
  return caller.allow === undefined || grantsAllow(caller.allow, call);
}
