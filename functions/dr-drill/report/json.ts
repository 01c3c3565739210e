import type { DrillRecord } from '../model.js';

/** One checklist line of the runbook, ticked only by evidence from a step. */
export interface ChecklistEntry {
  item: string;
  done: boolean;
  evidence: string;
}

const DESCRIBE: Record<string, string> = {
  'sql.clone': 'Database cloned to a DR instance',
  'sql.restoreBackup': 'Latest backup restored to a scratch instance',
  'db.restoreDump': 'Latest dump restored to a scratch database',
  'db.assert': 'Restored data checked',
  'run.deploy': 'Service deployed in the DR region',
  'http.check': 'Service answers as expected',
  wait: 'Waited as planned',
  cleanup: 'Every drill resource deleted',
};

/** The runbook checklist: the plan's own items, or one per step, plus the RTO and RPO targets. */
export function checklist(drill: DrillRecord): ChecklistEntry[] {
  const byName = new Map(drill.steps.map((s) => [s.name, s]));
  const items =
    drill.definition.checklist.length > 0
      ? drill.definition.checklist
      : drill.steps.map((s) => ({ item: `${DESCRIBE[s.step] ?? s.step} (${s.name})`, step: s.name }));
  const entries = items.map(({ item, step }) => {
    const s = byName.get(step);
    return { item, done: s?.status === 'ok', evidence: s ? `${s.status}: ${s.detail ?? ''}` : 'no such step' };
  });
  const m = drill.measurements;
  if (m) {
    entries.push({
      item: `RTO within ${m.targets.rto}s`,
      done: m.rtoOk,
      evidence: m.rto === undefined ? 'not reached' : `measured ${m.rto}s`,
    });
    entries.push({
      item: `RPO within ${m.targets.rpo}s`,
      done: m.rpoOk,
      evidence:
        m.rpo === undefined
          ? (m.notes.find((n) => n.startsWith('RPO')) ?? 'not measured')
          : `measured ${m.rpo}s from the ${m.rpoSource}`,
    });
  }
  return entries;
}

/** The JSON report of a finished drill: everything the HTML page shows, machine-readable. */
export function buildJsonReport(drill: DrillRecord, reasons: readonly string[]) {
  return {
    kind: 'opsfn.drDrill.report',
    version: 1,
    drill: drill.id,
    plan: drill.plan,
    description: drill.definition.description,
    status: drill.status,
    reasons,
    startedAt: drill.startedAt,
    finishedAt: drill.finishedAt,
    startedBy: drill.startedBy,
    approval: drill.approval ?? null,
    cancel: drill.cancel ?? null,
    measurements: drill.measurements,
    steps: drill.steps,
    checklist: checklist(drill),
    cleanup: drill.resources,
    runs: drill.runs,
  };
}
