import { REDACTED } from '../../shared/core/audit/index.js';
import type { Estate, SecretRef } from '../../shared/core/config/index.js';
import { BadInputError } from '../../shared/core/errors/index.js';
import type { Context } from '../../shared/core/run/index.js';
import { type DrillRecord, drillKey } from './model.js';

/*
 * A drill record is stored scrubbed: a literal secret of its plan (a scratch URL's password, a header
 * value) is kept as `[REDACTED]`, never as its value. An invocation that picks the drill up puts the
 * values back from the plan in the config it loaded, the only place they live.
 */

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether `value` is `sealed` with its secrets filled in. */
function fills(sealed: string, value: string): boolean {
  if (value.includes(REDACTED)) return false;
  const pattern = sealed.split(REDACTED).map(escapeRegExp).join('[\\s\\S]+');
  return new RegExp(`^${pattern}$`).test(value);
}

/** `stored` with every sealed string replaced by the string at the same place in `current`, when it fills it. */
function restoreByPlace(stored: unknown, current: unknown): unknown {
  if (typeof stored === 'string') {
    return stored.includes(REDACTED) && typeof current === 'string' && fills(stored, current) ? current : stored;
  }
  if (Array.isArray(stored)) {
    return stored.map((item, i) => restoreByPlace(item, Array.isArray(current) ? current[i] : undefined));
  }
  if (typeof stored === 'object' && stored !== null) {
    const from = typeof current === 'object' && current !== null ? (current as Record<string, unknown>) : {};
    return Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, restoreByPlace(v, from[k])]));
  }
  return stored;
}

function strings(value: unknown, out: Set<string>): Set<string> {
  if (typeof value === 'string') out.add(value);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) strings(v, out);
  return out;
}

/** `stored` with every sealed string replaced by the one candidate that fills it. */
function restoreFrom(stored: unknown, candidates: readonly string[]): unknown {
  if (typeof stored === 'string') {
    if (!stored.includes(REDACTED)) return stored;
    const matches = [...new Set(candidates.filter((c) => fills(stored, c)))];
    return matches.length === 1 ? matches[0] : stored;
  }
  if (Array.isArray(stored)) return stored.map((item) => restoreFrom(item, candidates));
  if (typeof stored === 'object' && stored !== null) {
    return Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, restoreFrom(v, candidates)]));
  }
  return stored;
}

/**
 * Puts the literal secrets of a stored drill back, from `drills.<plan>` of the loaded config: the
 * plan by place, the resources' scratch servers by the plan's values. What cannot be filled stays
 * sealed, and resolving it later fails with a message that says why.
 */
export function unsealDrill(drill: DrillRecord, config: Estate): DrillRecord {
  const current = config.drills[drill.plan];
  if (current === undefined) return drill;
  drill.definition = restoreByPlace(drill.definition, current) as DrillRecord['definition'];
  const candidates = [...strings(drill.definition, new Set())];
  drill.resources = drill.resources.map((r) =>
    r.server === undefined ? r : { ...r, server: restoreFrom(r.server, candidates) },
  );
  return drill;
}

/** Reads drill `id` from state with its literal secrets put back; undefined when there is none. */
export async function loadDrill(ctx: Pick<Context, 'state' | 'config'>, id: string): Promise<DrillRecord | undefined> {
  const drill = await ctx.state.get<DrillRecord>(drillKey(id));
  return drill && unsealDrill(drill, ctx.config);
}

/**
 * Resolves a value of the drill's plan: a literal as it is, a reference through `ctx.secret`. A
 * literal still sealed means the config no longer holds its secret (the plan changed or is gone).
 */
export function drillSecret(ctx: Pick<Context, 'secret'>, plan: string | undefined) {
  return async (ref: string | SecretRef): Promise<string> => {
    if (typeof ref !== 'string') return ctx.secret(ref);
    if (!ref.includes(REDACTED)) return ref;
    throw new BadInputError(
      `a secret written as a literal in ${plan ? `drills.${plan}` : "the drill's plan"} (${ref}) is no longer in the config, and the drill never stores it; restore the plan, or write the secret as { env } or { secret }`,
    );
  };
}
