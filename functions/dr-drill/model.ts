import type { Context } from '../../shared/core/run/index.js';
import type { StateStore } from '../../shared/core/state/index.js';
import type { DrillPlan, DrillStep } from './config.js';

/** Where a step stands; `ok`, `fail`, `skipped` and `cancelled` are final. */
export type StepStatus = 'pending' | 'running' | 'ok' | 'fail' | 'skipped' | 'cancelled';

/** One step of a running drill, as stored and as returned in the envelope's `items`. */
export interface StepRecord {
  name: string;
  step: DrillStep['step'];
  status: StepStatus;
  startedAt?: string;
  finishedAt?: string;
  detail?: string;
  /** What later steps and the report use: a scratch database, a service URL, the recovered data time. */
  data?: Record<string, unknown>;
  attempts: number;
  /** The last invocation left the step unfinished on purpose (a wait, a long operation). */
  pending?: boolean;
}

/** The kinds of resource a drill creates. */
export type ResourceKind = 'scratch-db' | 'cloud-sql' | 'cloud-run';

/** One resource a drill creates, recorded before it is created. */
export interface ResourceRecord {
  kind: ResourceKind;
  name: string;
  /** The step that created it. */
  step: string;
  /** scratch-db: engine and the scratch server as written in config (a URL or a secret reference). */
  engine?: 'postgres' | 'mysql';
  server?: unknown;
  project?: string;
  region?: string;
  expiresAt: string;
  state: 'recorded' | 'created' | 'deleted' | 'leaked';
  recordedAt: string;
  deletedAt?: string;
  detail?: string;
}

/** Final verdicts of a drill. */
export type DrillStatus = 'running' | 'awaiting-approval' | 'passed' | 'failed' | 'cancelled';

/** The whole state machine of one drill, kept in the state store under `drill:<id>`. */
export interface DrillRecord {
  id: string;
  plan: string;
  /** The plan as it was when the drill started, so a config change mid-drill cannot change its steps. */
  definition: DrillPlan;
  status: DrillStatus;
  startedAt: string;
  startedBy: string;
  /**
   * The account that started it when `startedBy` is one of its names (`oidc:<subject>`): the approver must be
   * another account, whichever name its token gives.
   */
  startedByPrincipal?: string;
  /** The id of the trigger that started it: its redelivery continues this drill instead of refusing a second. */
  startTrigger?: string;
  updatedAt: string;
  finishedAt?: string;
  steps: StepRecord[];
  resources: ResourceRecord[];
  approval?: { required: true; requestedAt?: string; approvedBy?: string; approvedAt?: string };
  cancel?: { by: string; at: string };
  measurements?: Measurements;
  report?: { json?: string; html?: string; error?: string };
  /** Runs that advanced this drill, for the audit trail. */
  runs: string[];
}

/** RTO and RPO as measured, in seconds, beside the plan's targets. */
export interface Measurements {
  rto?: number;
  rpo?: number;
  targets: { rto: number; rpo: number };
  rtoOk: boolean;
  rpoOk: boolean;
  /** What the RPO was read from. */
  rpoSource?: 'heartbeat' | 'backup';
  recoveredDataAt?: string;
  /** Time spent waiting for a second person, left out of the RTO. */
  approvalWait?: number;
  notes: string[];
}

/** The prefix every drill key starts with, for listing. */
export const DRILL_KEY_PREFIX = 'drill:';
/** The state key of a drill. */
export const drillKey = (id: string) => `${DRILL_KEY_PREFIX}${id}`;
const DRILL_KEY = /^drill:([0-9a-f]{8})$/;

/** The ids of every drill in state: their records' keys, not the approval or cancel signals beside them. */
export async function drillIds(state: Pick<StateStore, 'keys'>): Promise<string[]> {
  return (await state.keys(DRILL_KEY_PREFIX)).flatMap((key) => DRILL_KEY.exec(key)?.[1] ?? []);
}

/** How long a drill's record is kept after it started. */
export const DRILL_RECORD_TTL_MS = 180 * 86_400_000;

/** True when a step status is final. */
export const isFinal = (status: StepStatus) => status !== 'pending' && status !== 'running';
/** True when a drill is over. */
export const isOver = (status: DrillStatus) => status === 'passed' || status === 'failed' || status === 'cancelled';

/** Where an approval is left for the drill to pick up (routes never write the drill record itself). */
export const approvalKey = (id: string) => `drill:${id}:approval`;
/** Where a cancel request is left for the drill to pick up. */
export const cancelKey = (id: string) => `drill:${id}:cancel`;

/** An approval or cancel request as the routes store it. */
export interface Signal {
  by: string;
  at: string;
}

/**
 * Folds approval and cancel requests into the drill. They travel under their own keys so a route
 * never races an invocation that is saving the drill record.
 */
export async function applySignals(ctx: Pick<Context, 'state'>, drill: DrillRecord): Promise<void> {
  const [approval, cancel] = await Promise.all([
    ctx.state.get<Signal>(approvalKey(drill.id)),
    ctx.state.get<Signal>(cancelKey(drill.id)),
  ]);
  if (approval && drill.approval && !drill.approval.approvedAt) {
    drill.approval.approvedBy = approval.by;
    drill.approval.approvedAt = approval.at;
    if (drill.status === 'awaiting-approval') drill.status = 'running';
  }
  if (cancel && !drill.cancel) {
    drill.cancel = cancel;
    if (drill.status === 'awaiting-approval') drill.status = 'running';
  }
}

/** One thing the janitor did or found. */
export interface JanitorItem {
  drill: string;
  resource?: string;
  kind?: string;
  action: 'deleted' | 'leaked' | 'resumed' | 'cancelled' | 'skipped';
  detail: string;
}
