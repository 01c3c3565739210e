import * as z from '../../core/schema/index.js';
import type { HistoryEntry } from '../runtime/index.js';

const DrillExtraSchema = z.object({
  plan: z.string(),
  status: z.optional(z.string()),
  rto: z.optional(z.nullable(z.number())),
  rpo: z.optional(z.nullable(z.number())),
  targets: z.object({ rto: z.number(), rpo: z.number() }),
});

/** The RTO and RPO a drill plan last measured, in seconds, beside its targets. */
export interface DrillMeasure {
  plan: string;
  at: string;
  rto?: number;
  rpo?: number;
  targets: { rto: number; rpo: number };
}

/** Per plan, the newest finished drill run that measured RTO or RPO. */
export function lastDrillMeasures(history: readonly HistoryEntry[]): DrillMeasure[] {
  const byPlan = new Map<string, DrillMeasure>();
  for (const { envelope } of history) {
    const parsed = DrillExtraSchema.safeParse(envelope);
    if (!parsed.success || byPlan.has(parsed.data.plan)) continue;
    const { plan, rto, rpo, targets } = parsed.data;
    if (rto == null && rpo == null) continue;
    byPlan.set(plan, {
      plan,
      at: envelope.finishedAt,
      ...(rto == null ? {} : { rto }),
      ...(rpo == null ? {} : { rpo }),
      targets,
    });
  }
  return [...byPlan.values()];
}
