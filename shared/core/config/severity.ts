import * as z from '../schema/index.js';

// A module of its own: notifications use it at start, and the estate's section schemas, built where they are
// defined, would be built with it.

/** Notification severities, lowest first. */
export const Severities = ['info', 'warning', 'critical'] as const;
export const SeveritySchema = z.enum(Severities);
export type Severity = z.infer<typeof SeveritySchema>;
