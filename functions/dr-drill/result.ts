import type { RunResult } from '../../shared/core/run/index.js';
import type { DrillRecord } from './model.js';

/** One step as the envelope's `items` list it. */
export interface DrillItem {
  step: string;
  name: string;
  status: string;
  startedAt?: string;
  finishedAt?: string;
  detail?: string;
}

/** The envelope items of a drill: its steps. */
export function drillItems(drill: DrillRecord): DrillItem[] {
  return drill.steps.map((s) => ({
    step: s.step,
    name: s.name,
    status: s.status,
    ...(s.startedAt ? { startedAt: s.startedAt } : {}),
    ...(s.finishedAt ? { finishedAt: s.finishedAt } : {}),
    ...(s.detail ? { detail: s.detail } : {}),
  }));
}

const OUTCOME = { passed: 'ok', failed: 'fail', cancelled: 'warn', running: 'ok', 'awaiting-approval': 'ok' } as const;

/** The run result of a drill as it stands: items = steps, rto/rpo (seconds) beside the targets. */
export function drillResult(drill: DrillRecord): RunResult {
  const m = drill.measurements;
  const targets = {
    rto: Math.round(drill.definition.targets.rto / 1000),
    rpo: Math.round(drill.definition.targets.rpo / 1000),
  };
  return {
    outcome: OUTCOME[drill.status],
    summary: `drill ${drill.id} (${drill.plan}) ${drill.status}`,
    items: drillItems(drill),
    extra: {
      drill: drill.id,
      plan: drill.plan,
      status: drill.status,
      rto: m?.rto ?? null,
      rpo: m?.rpo ?? null,
      targets,
      resources: drill.resources.map((r) => ({ kind: r.kind, name: r.name, state: r.state })),
      ...(drill.report ? { report: drill.report } : {}),
    },
  };
}
