import { type Severity, SeveritySchema } from '../config/index.js';
import * as z from '../schema/index.js';

/** One message for people: routed to channels by severity. */
export interface Notification {
  severity: Severity;
  title: string;
  text: string;
  /** Stable key: PagerDuty `dedup_key`, and the idempotency key for repeats. */
  dedupKey?: string;
  /** Resolve the PagerDuty incident with this dedupKey instead of triggering one. */
  resolve?: boolean;
  fields?: Record<string, string | number | boolean>;
  links?: { title: string; url: string }[];
  /** The function that sends it; routes may select by function. */
  function?: string;
}

/** How delivery to one channel went: recorded in the result, never thrown. */
export interface DeliveryResult {
  channel: string;
  ok: boolean;
  attempts: number;
  error?: string;
  /** True when skipped because the same dedupKey was already delivered. */
  duplicate?: boolean;
}

/** The notify port: sends to the routed channels and reports each delivery. Never throws. */
export interface Notifier {
  notify(message: Notification, options?: { signal?: AbortSignal }): Promise<DeliveryResult[]>;
}

/** Validates a notification at the notifier's edge, so a malformed one is reported instead of half-sent. */
export const NotificationSchema = z.lazy(() =>
  z.object({
    severity: SeveritySchema,
    title: z.string().check(z.trim(), z.minLength(1, 'expected a non-empty title')),
    text: z.string(),
    dedupKey: z.optional(z.string().check(z.minLength(1, 'expected a non-empty dedupKey'))),
    resolve: z.optional(z.boolean()),
    fields: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
    links: z.optional(z.array(z.object({ title: z.string().check(z.minLength(1)), url: z.string() }))),
    function: z.optional(z.string().check(z.minLength(1))),
  }),
);
