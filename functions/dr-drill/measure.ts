import type { DrillRecord, Measurements } from './model.js';
import { DATA_STEPS } from './plan.js';

const seconds = (ms: number) => Math.round(ms / 1000);

/**
 * RTO and RPO of a drill, pure. RTO = drill start → the last recovery step (everything but cleanup)
 * finished with all of them passing, less the time spent waiting for approval. RPO = drill start −
 * the oldest "newest data" time among the recovered copies (heartbeat when read, else the backup's time).
 */
export function measure(drill: DrillRecord): Measurements {
  const targets = { rto: seconds(drill.definition.targets.rto), rpo: seconds(drill.definition.targets.rpo) };
  const started = Date.parse(drill.startedAt);
  const notes: string[] = [];
  const approvalWait =
    drill.approval?.requestedAt && drill.approval.approvedAt
      ? Math.max(0, seconds(Date.parse(drill.approval.approvedAt) - Date.parse(drill.approval.requestedAt)))
      : 0;
  const recovery = drill.steps.filter((s) => s.step !== 'cleanup');
  let rto: number | undefined;
  if (recovery.length > 0 && recovery.every((s) => s.status === 'ok' && s.finishedAt)) {
    const last = Math.max(...recovery.map((s) => Date.parse(s.finishedAt as string)));
    rto = Math.max(0, seconds(last - started) - approvalWait);
  } else {
    const broken = recovery.find((s) => s.status !== 'ok');
    notes.push(`RTO not reached: step ${broken?.name ?? '?'} is ${broken?.status ?? 'missing'}`);
  }
  if (approvalWait > 0) notes.push(`${approvalWait}s waiting for approval is left out of the RTO`);

  const copies = drill.steps.filter((s) => DATA_STEPS.has(s.step) && s.status === 'ok');
  const times = copies
    .map((s) => ({ at: Date.parse(String(s.data?.recoveredDataAt ?? '')), source: s.data?.rpoSource }))
    .filter((t) => Number.isFinite(t.at));
  let rpo: number | undefined;
  let rpoSource: Measurements['rpoSource'];
  let recoveredDataAt: string | undefined;
  if (times.length > 0) {
    const oldest = times.reduce((a, b) => (b.at < a.at ? b : a));
    rpo = Math.max(0, seconds(started - oldest.at));
    rpoSource = oldest.source === 'heartbeat' ? 'heartbeat' : 'backup';
    recoveredDataAt = new Date(oldest.at).toISOString();
  } else if (drill.steps.some((s) => DATA_STEPS.has(s.step))) {
    notes.push('RPO not measured: no copy of the data was recovered');
  } else {
    notes.push('RPO not applicable: the plan recovers no data');
  }
  const hasData = drill.steps.some((s) => DATA_STEPS.has(s.step));
  return {
    ...(rto !== undefined ? { rto } : {}),
    ...(rpo !== undefined ? { rpo } : {}),
    targets,
    rtoOk: rto !== undefined && rto <= targets.rto,
    rpoOk: rpo !== undefined ? rpo <= targets.rpo : !hasData,
    ...(rpoSource ? { rpoSource } : {}),
    ...(recoveredDataAt ? { recoveredDataAt } : {}),
    ...(approvalWait > 0 ? { approvalWait } : {}),
    notes,
  };
}
