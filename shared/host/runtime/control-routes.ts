import { CONTROL_ROUTES, summarizeZodIssues } from '../../core/config/index.js';
import { BadInputError } from '../../core/errors/index.js';
import { GuardKeys, type PauseRecord, readPauseFile } from '../../core/guard/index.js';
import type { FunctionRoute, RouteRequest } from '../../core/run/index.js';
import * as z from '../../core/schema/index.js';
import type { Runtime } from './runtime.js';

/** The path of the kill switch's routes on `opsfn serve`: `GET /control`, `POST /control/pause`, `POST /control/resume`. */
export const CONTROL_PATH = CONTROL_ROUTES;

const ControlBodySchema = z.strictObject({
  /** One function's entry point; every function when omitted. */
  function: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
  reason: z.optional(z.string().check(z.minLength(1), z.maxLength(500))),
});

/** One pause in force, where it is kept. */
interface Pause extends PauseRecord {
  scope: string;
  source: 'state' | 'file';
}

async function pausesOf(runtime: Runtime): Promise<Pause[]> {
  const scopes = [undefined, ...runtime.functions.map((f) => f.name)];
  const pauses: Pause[] = [];
  for (const fn of scopes) {
    const scope = fn ?? 'every function';
    const held = await runtime.state.get<PauseRecord>(fn ? GuardKeys.pausedFunction(fn) : GuardKeys.paused);
    if (held) pauses.push({ ...held, scope, source: 'state' });
    const { pauseFile } = runtime.config.guard;
    const file = pauseFile === undefined ? undefined : await readPauseFile(pauseFile, fn);
    // A function's lookup falls back to the file for every function, which the first scope already listed.
    if (file && (fn === undefined || file.by !== `file:${pauseFile}`)) pauses.push({ ...file, scope, source: 'file' });
  }
  return pauses;
}

function parseBody(body: unknown): z.infer<typeof ControlBodySchema> {
  const parsed = ControlBodySchema.safeParse(body ?? {});
  if (!parsed.success) throw new BadInputError(`control: ${summarizeZodIssues(parsed.error)}`);
  return parsed.data;
}

async function setPause(runtime: Runtime, req: RouteRequest, verb: 'pause' | 'resume') {
  const { function: fn, reason } = parseBody(req.body);
  if (fn !== undefined) runtime.find(fn);
  const key = fn ? GuardKeys.pausedFunction(fn) : GuardKeys.paused;
  const target = fn ?? 'every function';
  const at = req.now().toISOString();
  if (verb === 'pause') {
    await req.state.put(key, { reason: reason ?? `paused through POST /${CONTROL_PATH}/pause`, at, by: req.caller });
  } else {
    await req.state.delete(key);
  }
  req.log.audit({
    decision: 'done',
    action: verb,
    target,
    reason: reason ?? `${verb} through POST /${CONTROL_PATH}/${verb}`,
    evidence: { caller: req.caller },
  });
  const pauses = await pausesOf(runtime);
  return {
    status: 200,
    body: {
      [verb === 'pause' ? 'paused' : 'resumed']: target,
      ...(runtime.config.state === 'memory' && verb === 'pause'
        ? { note: 'memory state: this pause ends when this process stops; guard.pauseFile survives restarts' }
        : {}),
      pauses,
    },
  };
}

/**
 * The kill switch as HTTP routes on `opsfn serve`, behind the same admission as every route (a scoped token
 * needs `allow: [{ function: control, routes: [...] }]`): for an estate whose state lives in the serving process,
 * where `opsfn pause` from another process cannot reach it. Every change is audited with its caller.
 */
export function controlRoutes(runtime: Runtime): FunctionRoute[] {
  return [
    { method: 'GET', subpath: '', handle: async () => ({ status: 200, body: { pauses: await pausesOf(runtime) } }) },
    { method: 'POST', subpath: 'pause', handle: (req) => setPause(runtime, req, 'pause') },
    { method: 'POST', subpath: 'resume', handle: (req) => setPause(runtime, req, 'resume') },
  ];
}
