import type { ActionRecord } from '../../core/guard/index.js';
import type { HistoryEntry } from '../runtime/index.js';
import { type DecisionItem, DecisionItemSchema, itemsOf } from './items.js';

/** The functions whose decisions make the actions timeline. */
export const DECIDING_FUNCTIONS = ['rollback', 'autoscale'] as const;

/** One decision about one service: what was decided, on what evidence, what the guard said, how it ended. */
export interface TimelineEntry {
  at: string;
  function: string;
  runId: string;
  traceId?: string;
  triggerId: string;
  dryRun: boolean;
  outcome: string;
  summary: string;
  service: string;
  decision?: DecisionItem;
  /** The guarded actions of the run on this service: the guard's verdict and what was changed. */
  actions: ActionRecord[];
}

/** What the timeline keeps: one service, one trace. */
export interface TimelineFilter {
  service?: string;
  trace?: string;
}

/** The decisions of rollback and autoscale runs, newest first, narrowed by service and trace. */
export function actionTimeline(
  histories: Record<string, readonly HistoryEntry[]>,
  filter: TimelineFilter = {},
): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const [fn, history] of Object.entries(histories)) {
    for (const { envelope, traceId } of history) {
      const decisions = itemsOf(DecisionItemSchema, envelope);
      const services = new Set([...decisions.map((d) => d.service), ...envelope.actions.map((a) => a.target)]);
      for (const service of services) {
        const decision = decisions.find((d) => d.service === service);
        entries.push({
          at: envelope.finishedAt,
          function: fn,
          runId: envelope.runId,
          ...(traceId ? { traceId } : {}),
          triggerId: envelope.trigger.id,
          dryRun: envelope.dryRun,
          outcome: envelope.outcome,
          summary: envelope.summary,
          service,
          ...(decision ? { decision } : {}),
          actions: envelope.actions.filter((a) => a.target === service),
        });
      }
    }
  }
  const trace = filter.trace?.toLowerCase();
  return entries
    .filter((e) => filter.service === undefined || e.service === filter.service)
    .filter((e) => trace === undefined || e.traceId === trace || e.runId === trace || e.triggerId === trace)
    .sort((a, b) => b.at.localeCompare(a.at));
}
