import { parseDatabaseUrl, type ScratchDatabase, scratchDatabaseAs } from '../../../shared/adapters/databases/index.js';
import { BadInputError } from '../../../shared/core/errors/index.js';
import { heartbeatQuery } from '../adapters/heartbeat.js';
import type { CopyConnect } from '../config.js';
import type { StepRecord } from '../model.js';
import type { NamedStep } from '../plan.js';
import { message, type StepEnv, scratchServer } from './types.js';

/** The database of the copy an earlier, finished step made, or why there is none. */
export async function copyDatabase(
  env: Pick<StepEnv, 'secret'>,
  step: NamedStep,
  record: StepRecord | undefined,
): Promise<ScratchDatabase | { missing: string }> {
  if (record?.status !== 'ok') return { missing: `step "${step.name}" did not finish` };
  if (step.step === 'db.restoreDump') {
    const database = record.data?.database;
    if (typeof database !== 'string') return { missing: `step "${step.name}" recorded no database` };
    const server = await scratchServer(env, step.scratch);
    // Read as the loader that restored it, never as the scratch server's user: the dump's code runs as its owner.
    const loader = record.data?.loader;
    return scratchDatabaseAs(server, database, typeof loader === 'string' ? loader : undefined);
  }
  if ((step.step === 'sql.clone' || step.step === 'sql.restoreBackup') && step.connect) {
    const address = record.data?.address;
    if (typeof address !== 'string') return { missing: `step "${step.name}" recorded no address of its copy` };
    return connectToCopy(env, step.connect, address);
  }
  return { missing: `step "${step.name}" leaves no copy to read` };
}

/**
 * The copy's database through `connect`: its URL with the host replaced by the copy's `address`, so
 * whatever host the URL names (production's, typically) is never the one reached.
 */
/** URL query parameters that choose where a client connects, whatever the URL's host says. */
const ROUTING_PARAMS = new Set(['host', 'hostaddr', 'port', 'service', 'servicefile', 'socketpath', 'socket']);

export async function connectToCopy(
  env: Pick<StepEnv, 'secret'>,
  connect: CopyConnect,
  address: string,
): Promise<ScratchDatabase> {
  const server = await scratchServer(
    env,
    connect.postgres !== undefined ? { postgres: connect.postgres } : { mysql: connect.mysql ?? '' },
  );
  let url: URL;
  try {
    url = new URL(server.url);
  } catch (cause) {
    throw new BadInputError(`connect: malformed ${server.engine} URL`, { cause });
  }
  // A query parameter that routes the connection (`?host=`, pg-connection-string's override of the URL's host, or
  // a socket path) would reach wherever it names, production included, past the copy's address: refused.
  const routing = [...url.searchParams.keys()].filter((key) => ROUTING_PARAMS.has(key.toLowerCase()));
  if (routing.length > 0) {
    throw new BadInputError(
      `connect: the ${server.engine} URL's ${routing.map((k) => `"${k}"`).join(', ')} parameter would route past the copy's address; remove it`,
    );
  }
  url.hostname = address.includes(':') ? `[${address}]` : address;
  const name = parseDatabaseUrl(server.engine, url.toString()).database;
  if (name === '') throw new BadInputError(`connect: the ${server.engine} URL names no database to check`);
  return { engine: server.engine, name, url: url.toString() };
}

/** When the newest data of a recovered copy was written, and how that was learned. */
export interface RecoveredAt {
  detail: string;
  /** Undefined when neither the heartbeat nor the fallback tells (the RPO is then not measured). */
  data: { recoveredDataAt: string | undefined; rpoSource: 'heartbeat' | 'backup'; note?: string };
}

/**
 * Reads the plan's heartbeat row back from the copy; without a heartbeat, or when it cannot be read,
 * `fallback` (the backup's or the clone's own time) stands, with the reason in the detail.
 */
export async function recoveredAt(
  env: Pick<StepEnv, 'drill' | 'ports'>,
  db: ScratchDatabase,
  fallback: string | undefined,
  detail: string,
): Promise<RecoveredAt> {
  const heartbeat = env.drill.definition.heartbeat;
  if (!heartbeat) return { detail, data: { recoveredDataAt: fallback, rpoSource: 'backup' } };
  const [read] = await env.ports
    .assertions(db, [{ name: 'heartbeat', sql: heartbeatQuery(heartbeat.table), min: 0 }], 30_000)
    .catch((error: unknown) => [
      { name: 'heartbeat', status: 'fail' as const, detail: message(error), value: undefined },
    ]);
  const ms = Number(read?.value);
  if (read?.status !== 'ok' || !Number.isFinite(ms) || ms <= 0) {
    const why = `no heartbeat in ${heartbeat.table} of the copy (${read?.detail ?? 'no result'}); RPO from the backup time`;
    return { detail: `${detail}; ${why}`, data: { recoveredDataAt: fallback, rpoSource: 'backup', note: why } };
  }
  const at = new Date(ms).toISOString();
  return { detail: `${detail}; newest heartbeat ${at}`, data: { recoveredDataAt: at, rpoSource: 'heartbeat' } };
}
