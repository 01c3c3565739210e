import type { HistoryEntry } from '../runtime/index.js';
import { type CertItem, CertItemSchema, itemsOf } from './items.js';

/** One address of one endpoint, with the time left now and whether its endpoint's addresses agree. */
export interface CertRow extends CertItem {
  checkedAt: string;
  secondsLeft?: number;
  /** False when the endpoint's addresses present different certificates. */
  consistent: boolean;
}

const URGENCY: Record<string, number> = { error: 0, critical: 1, warn: 2, ok: 3 };

/**
 * Every endpoint of the recent certExpiry runs as the newest run that probed it saw it, each of its addresses then
 * (an address DNS no longer returns goes with that run, not kept with its old certificate counting down), most
 * urgent first: errors, then critical, warn and ok, fewest days first.
 */
export function certRows(history: readonly HistoryEntry[], now: Date): CertRow[] {
  const newest = new Map<string, CertItem & { checkedAt: string }>();
  const probed = new Set<string>();
  for (const { envelope } of history) {
    const items = itemsOf(CertItemSchema, envelope).filter((item) => !probed.has(item.endpoint));
    for (const item of items) {
      const key = `${item.endpoint} ${item.address ?? ''}`;
      if (!newest.has(key)) newest.set(key, { ...item, checkedAt: envelope.finishedAt });
    }
    for (const item of items) probed.add(item.endpoint);
  }
  const items = [...newest.values()];
  const prints = new Map<string, Set<string>>();
  for (const item of items) {
    if (!item.fingerprint) continue;
    const set = prints.get(item.endpoint) ?? new Set<string>();
    set.add(item.fingerprint);
    prints.set(item.endpoint, set);
  }
  return items
    .map((item) => ({
      ...item,
      ...(item.notAfter ? { secondsLeft: Math.round((Date.parse(item.notAfter) - now.getTime()) / 1000) } : {}),
      consistent: (prints.get(item.endpoint)?.size ?? 0) <= 1 && !item.problems.includes('inconsistent'),
    }))
    .sort(
      (a, b) =>
        (URGENCY[a.status] ?? 0) - (URGENCY[b.status] ?? 0) ||
        (a.daysLeft ?? Number.NEGATIVE_INFINITY) - (b.daysLeft ?? Number.NEGATIVE_INFINITY) ||
        a.endpoint.localeCompare(b.endpoint),
    );
}
