import type { FunctionRoute, RouteRequest } from '../../shared/core/run/index.js';
import { measure } from './measure.js';
import {
  applySignals,
  approvalKey,
  cancelKey,
  type DrillRecord,
  drillIds,
  drillKey,
  isOver,
  type Signal,
} from './model.js';
import { DRILL_ID } from './naming.js';
import { drillItems } from './result.js';

const bad = (message: string) => ({ status: 400, body: { error: 'badInput', message } });

function idFrom(value: unknown): string | undefined {
  return typeof value === 'string' && DRILL_ID.test(value) ? value : undefined;
}

async function load(req: RouteRequest, id: string): Promise<DrillRecord | undefined> {
  const drill = await req.state.get<DrillRecord>(drillKey(id));
  if (drill) await applySignals(req, drill);
  return drill;
}

/** The newest drills first (at most 50), for `GET /drDrill` without an id. */
async function recent(req: RouteRequest) {
  const ids = await drillIds(req.state);
  const drills = (await Promise.all(ids.map((id) => req.state.get<DrillRecord>(drillKey(id))))).filter(
    (d) => d !== undefined,
  );
  return drills
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
    .slice(0, 50)
    .map((d) => ({
      id: d.id,
      plan: d.plan,
      status: d.status,
      startedAt: d.startedAt,
      finishedAt: d.finishedAt ?? null,
    }));
}

function refused(req: RouteRequest, id: string, message: string) {
  req.log.audit({ decision: 'rejected', action: 'drill.approve', target: id, reason: message, outcome: 'rejected' });
  return { status: 403, body: { error: 'forbidden', message } };
}

const notFound = (id: string) => ({ status: 404, body: { error: 'notFound', message: `no drill ${id}` } });

/** `GET /drDrill?id=…`: where the drill stands, step by step, with its resources and (once known) RTO/RPO. */
const progress: FunctionRoute = {
  method: 'GET',
  subpath: '',
  async handle(req) {
    if (!req.query.has('id')) return { status: 200, body: { drills: await recent(req) } };
    const id = idFrom(req.query.get('id'));
    if (!id) return bad('id: expected a drill id of 8 hex digits (the one POST /drDrill answered)');
    const drill = await load(req, id);
    if (!drill) return notFound(id);
    return {
      status: 200,
      body: {
        id: drill.id,
        plan: drill.plan,
        status: drill.status,
        startedAt: drill.startedAt,
        updatedAt: drill.updatedAt,
        finishedAt: drill.finishedAt ?? null,
        steps: drillItems(drill),
        resources: drill.resources,
        approval: drill.approval ?? null,
        cancel: drill.cancel ?? null,
        measurements: drill.measurements ?? measure(drill),
        report: drill.report ?? null,
      },
    };
  },
};

/** `POST /drDrill/approve {id}`: a second caller, not the one who started the drill, lets destructive steps run. */
const approve: FunctionRoute = {
  method: 'POST',
  subpath: 'approve',
  async handle(req) {
    const id = idFrom((req.body as { id?: unknown } | undefined)?.id);
    if (!id) return bad('id: expected a drill id of 8 hex digits');
    const drill = await load(req, id);
    if (!drill) return notFound(id);
    if (drill.definition.approval !== 'required')
      return { status: 409, body: { error: 'conflict', message: `drill ${id} needs no approval` } };
    if (isOver(drill.status) || drill.cancel)
      return {
        status: 409,
        body: { error: 'conflict', message: `drill ${id} is ${drill.cancel ? 'cancelled' : drill.status}` },
      };
    if (drill.approval?.approvedAt)
      return {
        status: 200,
        body: { id, approvedBy: drill.approval.approvedBy, approvedAt: drill.approval.approvedAt },
      };
    // Two people means two identities opsfn told apart: not nobody, not "whoever Cloud Run IAM let in".
    if (req.caller === 'anonymous' || req.caller === 'platform')
      return refused(req, id, 'approval needs a caller opsfn authenticates (auth.tokens or auth.oidc)');
    // One account, whatever name its token gives it: an OIDC caller is its email with the email claim and
    // `oidc:<subject>` without; the subject is the account.
    const approver = req.principal ?? req.caller;
    const starter = drill.startedByPrincipal ?? drill.startedBy;
    if (approver === starter || req.caller === drill.startedBy)
      return refused(req, id, `${req.caller} started drill ${id}; a different caller must approve it`);
    // Started before accounts were recorded, by an email: a token without the email claim cannot show it is not
    // that same account.
    if (drill.startedByPrincipal === undefined && drill.startedBy.includes('@') && req.caller.startsWith('oidc:'))
      return refused(
        req,
        id,
        `${drill.startedBy} started drill ${id} before accounts were recorded: approve with a token that carries your email`,
      );
    const signal: Signal = { by: req.caller, at: req.now().toISOString() };
    await req.state.put(approvalKey(id), signal, 180 * 86_400_000);
    req.log.audit({ decision: 'decided', action: 'drill.approve', target: id, reason: `approved by ${req.caller}` });
    if (drill.status === 'awaiting-approval') await req.continue(`${id}:approved`, { drill: id });
    return { status: 200, body: { id, approvedBy: signal.by, approvedAt: signal.at } };
  },
};

/** `POST /drDrill/cancel {id}`: stops after the current step; cleanup still runs. */
const cancel: FunctionRoute = {
  method: 'POST',
  subpath: 'cancel',
  async handle(req) {
    const id = idFrom((req.body as { id?: unknown } | undefined)?.id);
    if (!id) return bad('id: expected a drill id of 8 hex digits');
    const drill = await load(req, id);
    if (!drill) return notFound(id);
    if (isOver(drill.status))
      return { status: 409, body: { error: 'conflict', message: `drill ${id} is already ${drill.status}` } };
    const signal: Signal = { by: req.caller, at: req.now().toISOString() };
    await req.state.put(cancelKey(id), signal, 180 * 86_400_000);
    req.log.audit({ decision: 'decided', action: 'drill.cancel', target: id, reason: `cancelled by ${req.caller}` });
    if (drill.status === 'awaiting-approval') await req.continue(`${id}:cancelled`, { drill: id });
    return { status: 202, body: { id, cancelledBy: signal.by, note: 'remaining steps are cancelled; cleanup runs' } };
  },
};

/** The extra routes of drDrill. */
export const drillRoutes: readonly FunctionRoute[] = [progress, approve, cancel];
