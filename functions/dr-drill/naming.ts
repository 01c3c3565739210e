import { BadInputError } from '../../shared/core/errors/index.js';
import type { ResourceKind } from './model.js';

/** Drill ids: eight lowercase hex digits, short enough for Cloud Run's 49-character names. */
export const DRILL_ID = /^[0-9a-f]{8}$/;

/** The prefix of every cloud resource of drill `id`. */
export const cloudPrefix = (id: string) => `opsfn-drill-${id}`;
/** The prefix of every scratch database of drill `id` (databases take no hyphens). */
export const databasePrefix = (id: string) => `opsfn_drill_${id}`;

/** Any drill's resource, whatever its id. */
const ANY_DRILL = /^opsfn[-_]drill[-_][0-9a-f]{8}(?:[-_]|$)/;

/** The name of the resource step `step` of drill `id` creates. */
export function resourceName(kind: ResourceKind, id: string, step: string): string {
  if (!DRILL_ID.test(id)) throw new BadInputError(`invalid drill id "${id}"`);
  return kind === 'scratch-db' ? `${databasePrefix(id)}_${step.replaceAll('-', '_')}` : `${cloudPrefix(id)}-${step}`;
}

/**
 * Refuses to touch a resource whose name lacks the drill prefix: of drill `id` when given, of any
 * drill otherwise (the janitor). This is the last line of defence against deleting production.
 */
export function assertDrillResource(kind: ResourceKind, name: string, id?: string): void {
  const owned =
    id === undefined
      ? ANY_DRILL.test(name)
      : name.startsWith(
          `${kind === 'scratch-db' ? databasePrefix(id) : cloudPrefix(id)}${kind === 'scratch-db' ? '_' : '-'}`,
        );
  if (!owned) {
    const prefix = id === undefined ? 'opsfn-drill-<id>' : kind === 'scratch-db' ? databasePrefix(id) : cloudPrefix(id);
    throw new BadInputError(`refused: ${kind} "${name}" does not carry the drill prefix ${prefix}`);
  }
}

/** Cloud labels of a drill resource: the drill id and its expiry (Unix seconds, as label values allow). */
/**
 * When a resource the drill creates now expires: `ttl` from its creation, not from the drill's start, so one made
 * after a long wait for approval is not already expired (and deleted by the janitor mid-drill).
 */
export function expiryFrom(now: Date, ttlMs: number): Date {
  return new Date(now.getTime() + ttlMs);
}

export function drillLabels(id: string, expiresAt: Date): Record<string, string> {
  return { 'opsfn-drill': id, 'opsfn-expires': String(Math.floor(expiresAt.getTime() / 1000)) };
}
