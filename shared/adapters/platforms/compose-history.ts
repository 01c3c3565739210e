import type { StateStore } from '../../core/state/index.js';

/** One image that served a compose service: compose keeps no revisions, so opsfn records them as it sees them. */
export interface ImageEntry {
  /** The image reference the containers were created from (`app:v1`). */
  image: string;
  /** Its content id when it served; a tag moved to other content counts as a new deploy. */
  imageId: string;
  /** When it started serving (its first container's creation), RFC 3339. */
  since: string;
  /** When opsfn last saw it serve. */
  lastSeen: string;
  /** Order of first appearance: 1, 2, 3… */
  number: number;
}

/** What the current serving image looks like to one status read. */
export interface Observation {
  image: string;
  imageId: string;
  /** The earliest creation time among the containers running it. */
  since: string;
  at: string;
}

/** Images remembered per service, newest kept. */
export const HISTORY_MAX = 20;
/** How long a history is kept after the service was last read. */
export const HISTORY_TTL_MS = 90 * 86_400_000;

/** The state key of a compose service's image history. */
export function historyKey(project: string, service: string): string {
  return `platform:compose:history:${project}/${service}`;
}

/**
 * Folds one observation into the history (pure): the image serving now keeps its entry (and its `since`) while
 * it is the newest and has the same content; an earlier image serving again (rolled back by hand with
 * `docker compose up -d` on the old tag) takes the next number and a new `since`, the way `kubectl rollout
 * undo` renumbers a ReplicaSet, so "the image that served before" is the one that served last, not the one
 * first seen; anything else becomes a new entry numbered after every other.
 */
export function observe(history: readonly ImageEntry[], seen: Observation): ImageEntry[] {
  const known = history.find((e) => e.image === seen.image);
  const newest = Math.max(0, ...history.map((e) => e.number));
  if (known && known.imageId === seen.imageId && known.number === newest) {
    return history.map((e) => (e === known ? { ...e, lastSeen: seen.at } : e));
  }
  const others = history.filter((e) => e.image !== seen.image);
  const number = newest + 1;
  const entry: ImageEntry = { image: seen.image, imageId: seen.imageId, since: seen.since, lastSeen: seen.at, number };
  return [...others, entry].sort((a, b) => a.number - b.number).slice(-HISTORY_MAX);
}

/** Reads and updates a compose service's image history in the state store. */
export class ImageHistory {
  constructor(
    private readonly state: StateStore,
    private readonly key: string,
  ) {}

  /** The recorded images, oldest first. */
  async read(): Promise<ImageEntry[]> {
    return (await this.state.get<ImageEntry[]>(this.key)) ?? [];
  }

  /** Records what serves now and returns the history with it; writes only when something changed. */
  async record(seen: Observation): Promise<ImageEntry[]> {
    const before = await this.read();
    const after = observe(before, seen);
    // lastSeen moves on every read; comparing it by the hour keeps a busy sweep from rewriting the key each time.
    const hourly = (h: readonly ImageEntry[]) =>
      JSON.stringify(h.map((e) => ({ ...e, lastSeen: e.lastSeen.slice(0, 13) })));
    if (hourly(before) !== hourly(after)) await this.state.put(this.key, after, HISTORY_TTL_MS);
    return after;
  }
}
