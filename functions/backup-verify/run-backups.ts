import { writeUrl } from '../../shared/adapters/storage/index.js';
import { localDay } from '../../shared/core/config/index.js';
import { errorMessage } from '../../shared/core/errors/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import { boundList, ResultLimits } from '../../shared/core/run/index.js';
import {
  describeSweep,
  restoreServers,
  type SweepDeps,
  type SweepItem,
  sweepRestoreDatabases,
} from './checks/restore-sweep.js';
import type { RunBudget } from './run-budget.js';
import type { BackupResult } from './types.js';
import { describeProblems, runOutcome, runSummary } from './verdict.js';
import { type VerifyDeps, verifyBackup } from './verify-backup.js';

/** How many backups are verified at once: enough to overlap network waits, few enough for two cores. */
export const DEFAULT_CONCURRENCY = 4;

/** Which backups to verify and how. */
export interface RunRequest {
  names: string[];
  concurrency?: number;
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the input order in the output. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Verifies the named backups concurrently, notifies once per backup and day, writes the report; the run's result. */
export async function verifyBackups(
  ctx: Context,
  request: RunRequest,
  deps: VerifyDeps,
): Promise<RunResult<BackupResult>> {
  const { results, swept } = await checkBackups(ctx, request, deps);
  const result = await reportBackups(ctx, ctx.runId, results, deps.budget);
  const sweepLine = describeSweep(swept);
  return {
    ...result,
    ...(sweepLine === undefined ? {} : { summary: `${result.summary}; ${sweepLine}` }),
    ...(swept.length > 0 ? { extra: { ...result.extra, sweep: swept } } : {}),
  };
}

/** Drops what crashed runs left on the restore servers, then verifies the named backups concurrently: the work of a run or of one shard. */
export async function checkBackups(
  ctx: Context,
  request: RunRequest,
  deps: VerifyDeps,
): Promise<{ results: BackupResult[]; swept: SweepItem[] }> {
  const backups = ctx.config.backups;
  // Before this run makes scratch databases of its own: drop those that crashed runs left behind.
  const servers = restoreServers(backups, request.names);
  const swept = servers.length === 0 ? [] : await sweep(ctx, servers, deps.scratchClock);
  let verified = 0;
  let bytesRead = 0;
  const results = await mapLimit(request.names, request.concurrency ?? DEFAULT_CONCURRENCY, async (name) => {
    ctx.progress(`verifying ${name}`);
    const result = await verifyBackup(name, backups[name]!, deps);
    verified += 1;
    bytesRead += result.object?.bytes ?? 0;
    ctx.progress(
      `backups verified ${verified}/${request.names.length}, ${(bytesRead / 1_048_576).toFixed(1)} MiB read`,
    );
    const notOk = result.checks.filter((c) => c.status === 'fail' || c.status === 'warn');
    ctx.log.audit({
      decision: 'decided',
      target: `backup:${name}`,
      reason: notOk.length === 0 ? 'every check ok' : notOk.map((c) => `${c.name} ${c.status}: ${c.detail}`).join('; '),
      outcome: result.status,
      evidence: { kind: result.kind, ...(result.object ? { object: result.object } : {}), checks: result.checks },
    });
    return result;
  });
  return { results, swept };
}

/**
 * Notifies once per backup and day and writes the report of run `runId`: how a run, or its last shard, ends. Both
 * at once, within what is left of the run (`budget`), so neither waits on the other's slow channel.
 */
export async function reportBackups(
  ctx: Context,
  runId: string,
  results: BackupResult[],
  budget?: Pick<RunBudget, 'runLeftMs'>,
): Promise<RunResult<BackupResult>> {
  const notified = (async () => {
    for (const result of results) {
      if (result.status !== 'ok') await notifyOnce(ctx, result);
    }
  })();
  const [report] = await Promise.all([writeReport(ctx, runId, results, budget), notified]);
  return {
    outcome: runOutcome(results),
    summary: runSummary(results),
    items: results,
    ...(report ? { extra: { report } } : {}),
  };
}

function sweep(
  ctx: Context,
  servers: Parameters<typeof sweepRestoreDatabases>[0],
  serverNowMs: SweepDeps['serverNowMs'],
): Promise<SweepItem[]> {
  return sweepRestoreDatabases(servers, {
    act: ctx.act,
    nowMs: ctx.now().getTime(),
    serverNowMs,
    secret: (ref) => ctx.secret(ref),
  });
}

/** `opsfn sweep`: only the sweep, over every restore test's scratch server; `fail` when something could not be dropped. */
export async function sweepOnly(ctx: Context, serverNowMs: SweepDeps['serverNowMs']): Promise<RunResult<SweepItem>> {
  const servers = restoreServers(ctx.config.backups, Object.keys(ctx.config.backups));
  const items = await sweep(ctx, servers, serverNowMs);
  const stuck = items.filter((i) => i.action === 'failed' || i.action === 'refused');
  return {
    outcome: stuck.length > 0 ? 'fail' : 'ok',
    summary:
      describeSweep(items) ??
      `sweep: nothing left behind on ${servers.length} scratch server(s) (${items.length} database(s) kept)`,
    items,
  };
}

/**
 * Sends one notification per backup, local day and verdict: the claim in `ctx.state` makes reruns quiet, and a
 * fail after the day's warning (a restore job's result after the morning run) still pages.
 */
async function notifyOnce(ctx: Context, result: BackupResult): Promise<void> {
  const day = localDay(ctx.now().getTime(), ctx.config.timezone);
  const key = `backupVerify:notified:${result.backup}:${day}:${result.status}`;
  let claimed = true;
  try {
    claimed = (await ctx.state.claim(key, 48 * 3_600_000)).claimed;
  } catch (error) {
    // Without state a repeat is possible, which beats silence about a broken backup.
    ctx.log.warn('notification claim failed; notifying anyway', { backup: result.backup, error: String(error) });
  }
  if (!claimed) return;
  const deliveries = await ctx.notify({
    severity: result.status === 'fail' ? 'critical' : 'warning',
    title: `Backup ${result.backup}: ${result.status.toUpperCase()}`,
    text: describeProblems(result),
    dedupKey: `backupVerify:${result.backup}:${day}`,
    function: 'backupVerify',
    fields: { backup: result.backup, kind: result.kind, ...(result.object ? { object: result.object.key } : {}) },
  });
  if (deliveries.length > 0 && deliveries.every((d) => !d.ok)) {
    // Nobody heard it: let the next run try again.
    await ctx.state
      .unclaim(key)
      .catch((error: unknown) => ctx.log.warn('unclaim failed', { key, error: String(error) }));
  }
}

const REPORT_TIMEOUT_MS = 30_000;

/** The longest a report write may take: what the run has left, less a second to answer, within 30s. */
function reportTimeoutMs(budget: Pick<RunBudget, 'runLeftMs'> | undefined): number {
  return Math.max(1, Math.min(REPORT_TIMEOUT_MS, (budget?.runLeftMs() ?? REPORT_TIMEOUT_MS + 1_000) - 1_000));
}

async function writeReport(
  ctx: Context,
  runId: string,
  results: BackupResult[],
  budget: Pick<RunBudget, 'runLeftMs'> | undefined,
): Promise<{ url: string; error?: string } | undefined> {
  const base = ctx.config.reports?.url;
  if (!base) return undefined;
  const day = localDay(ctx.now().getTime(), ctx.config.timezone);
  const url = `${base.endsWith('/') ? base : `${base}/`}backup-verify/${day}/${runId}.json`;
  const items = boundList(ctx.redact(results), ResultLimits.listEntries, ResultLimits.reportBytes);
  const body = JSON.stringify(
    {
      function: 'backupVerify',
      runId,
      estate: ctx.config.estate,
      at: ctx.now().toISOString(),
      outcome: runOutcome(results),
      summary: ctx.redact(runSummary(results)),
      items: items.kept,
      ...(items.omitted > 0 ? { omitted: { items: items.omitted } } : {}),
    },
    null,
    2,
  );
  try {
    await writeUrl(url, body, {
      contentType: 'application/json',
      endpoints: ctx.config.endpoints,
      secret: (ref) => ctx.secret(ref),
      signal: ctx.signal,
      timeoutMs: reportTimeoutMs(budget),
    });
    return { url };
  } catch (error) {
    const message = errorMessage(error);
    ctx.log.warn('report not written', { url, error: message });
    return { url, error: message };
  }
}
