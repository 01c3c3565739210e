import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import { vi } from 'vitest';
import { parse } from 'yaml';
import { createAutoscale } from '../../functions/autoscale/handler.js';
import { defaultAutoscaleDeps } from '../../functions/autoscale/index.js';
import { backupVerify } from '../../functions/backup-verify/handler.js';
import { certExpiry } from '../../functions/cert-expiry/handler.js';
import { createCloudRunDrill } from '../../functions/dr-drill/adapters/cloud-run.js';
import { createCloudSqlDrill } from '../../functions/dr-drill/adapters/cloud-sql.js';
import { defaultDrDrillDeps } from '../../functions/dr-drill/deps.js';
import { createDrDrill } from '../../functions/dr-drill/handler.js';
import type { Estate } from '../../functions/estate.js';
import { EstateSchema } from '../../functions/estate.js';
import { defaultHealthSweepDeps } from '../../functions/health-sweep/deps.js';
import { createHealthSweep } from '../../functions/health-sweep/handler.js';
import { defaultRollbackDeps } from '../../functions/rollback/deps.js';
import { createRollback } from '../../functions/rollback/handler.js';
import { type EffectiveSchedule, effectiveSchedules, loadSchedules } from '../../shared/core/config/index.js';
import { activeFreeze } from '../../shared/core/guard/freeze.js';
import type { ResultEnvelope } from '../../shared/core/run/types.js';
import { parseConfig } from '../../shared/host/runtime/load-config.js';
import { createRuntime, type Runtime } from '../../shared/host/runtime/runtime.js';
import { startScheduler } from '../../shared/host/runtime/scheduler.js';
import { configRedactor, createSecretResolver } from '../../shared/host/runtime/secrets.js';
import { RecordingServer } from '../fakes/recording-server.js';
import { captureLogs } from '../support/estate.js';
import { REDIS_URL, redisPrefix } from '../support/redis-prefix.js';

/** The repository root. */
export const ROOT = join(import.meta.dirname, '..', '..');

// biome-ignore lint/suspicious/noExplicitAny: an estate document is YAML the test edits before it is validated
export type Doc = Record<string, any>;

/** An example estate as its YAML document, to point at local stand-ins before it is validated. */
export function exampleDoc(file: string): Doc {
  return parse(readFileSync(join(ROOT, 'examples', file), 'utf8')) as Doc;
}

/** Replaces `from` with `to` in every string of `doc`: a host name of the estate becomes a local address. */
export function replaceAll(doc: unknown, from: string, to: string): void {
  if (Array.isArray(doc)) {
    doc.forEach((value, i) => {
      if (typeof value === 'string') doc[i] = value.replaceAll(from, to);
      else replaceAll(value, from, to);
    });
  } else if (typeof doc === 'object' && doc !== null) {
    for (const [key, value] of Object.entries(doc)) {
      if (typeof value === 'string') (doc as Doc)[key] = value.replaceAll(from, to);
      else replaceAll(value, from, to);
    }
  }
}

/** Validates the pointed estate with the schema `opsfn config validate` uses, every cross-reference included. */
export function estateOf(doc: Doc): Estate {
  return parseConfig(EstateSchema, doc, 'estate');
}

/** Waits the stand-ins took instead of sleeping, so a test can see what the estate asked for. */
export const waited: number[] = [];
const noWait = async (ms: number) => {
  waited.push(ms);
};

/**
 * The registered functions over their production adapters, with stand-ins only for time and Google identity:
 * settle and verify waits return at once (recorded in {@link waited}), platforms and Cloud APIs are polled every
 * 20 ms, a probe spreads its samples over 1/60 of its window, and ID tokens are `idToken(audience)`.
 */
export function standInFunctions(idToken: (audience: string) => Promise<string> = async (a) => `id-token-for:${a}`) {
  const timing = { pollMs: 20, waitTimeoutMs: 30_000 };
  const rollbackDeps = defaultRollbackDeps({ timing, metricsRetries: 0 });
  const drillDeps = defaultDrDrillDeps();
  return [
    backupVerify,
    certExpiry,
    createAutoscale(defaultAutoscaleDeps({ timing })),
    createRollback({
      ...rollbackDeps,
      sleep: noWait,
      metrics: (ref, policy, ctx) => {
        const source = rollbackDeps.metrics(ref, policy, ctx);
        if (source?.kind !== 'probe') return source;
        return { kind: source.kind, errorRate: (q) => source.errorRate({ ...q, windowMs: q.windowMs / 60 }) };
      },
    }),
    createDrDrill({
      ...drillDeps,
      sleep: noWait,
      idToken,
      cloudSql: (endpoint, timeoutMs, signal) => createCloudSqlDrill(endpoint, timeoutMs, signal, 20),
      cloudRun: (endpoint, timeoutMs, signal) => createCloudRunDrill(endpoint, timeoutMs, signal, 20),
    }),
    createHealthSweep({ ...defaultHealthSweepDeps({ timing }), sleep: noWait, idToken }),
  ];
}

/** A receiver for every notification channel: it answers as Slack, Feishu, PagerDuty and webhooks do. */
export async function startInbox(): Promise<RecordingServer> {
  const inbox = new RecordingServer(() => ({ status: 200, body: { code: 0, status: 'success', message: 'ok' } }));
  await inbox.start();
  return inbox;
}

/** What {@link startEstate} runs an estate with. */
export interface EstateOptions {
  /** Values of the estate's `{ env: … }` references. */
  env?: Record<string, string>;
  /** Values of its `{ secret: projects/…/secrets/…/versions/… }` references (Secret Manager's stand-in). */
  secrets?: Record<string, string>;
  functions?: ReturnType<typeof standInFunctions>;
}

/** A running estate: its validated config, the runtime every function runs in, and its audit lines. */
export interface RunningEstate {
  estate: Estate;
  runtime: Runtime;
  logs: ReturnType<typeof captureLogs>;
  close(): Promise<void>;
}

/**
 * Validates the pointed estate and builds the runtime `opsfn serve` would: its state store (a Redis estate gets a
 * fresh prefix on the local Redis, dropped at close), its notify channels, its secrets, every function.
 */
export async function startEstate(doc: Doc, options: EstateOptions = {}): Promise<RunningEstate> {
  const redis = doc.state !== 'memory' && doc.state !== undefined ? redisPrefix('estate') : undefined;
  if (redis) doc.state = { redis: REDIS_URL, prefix: redis.prefix };
  const estate = estateOf(doc);
  const env = options.env ?? {};
  const redactor = configRedactor(estate);
  const secrets = options.secrets ?? {};
  const secret = createSecretResolver({
    redactor,
    env,
    accessSecret: async (name) => {
      const value = secrets[name];
      if (value === undefined) throw new Error(`no secret ${name} in this test`);
      return value;
    },
  });
  const logs = captureLogs();
  const runtime = await createRuntime({
    config: estate,
    functions: options.functions ?? standInFunctions(),
    env,
    redactor,
    secret,
    logSink: logs.sink,
  });
  return {
    estate,
    runtime,
    logs,
    async close() {
      await runtime.close();
      await redis?.drop();
    },
  };
}

/**
 * Keeps the test's clock out of the estate's freeze windows (quarter ends, for estate 004): inside one the guard
 * rightly refuses every change, so a test run on such a day moves its clock past it.
 */
export async function outsideFreezes(estate: Estate): Promise<void> {
  const freeze = await activeFreeze(estate.guard.freezeWindows, new Date(), estate.timezone);
  if (!freeze) return;
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(freeze.until.getTime() + 3_600_000);
}

/**
 * The next time a packaged job with the estate's overrides runs, outside the estate's freeze windows (where its
 * actions may pass), with the job as the embedded scheduler gets it.
 */
export async function nextRun(running: RunningEstate, job: string): Promise<{ at: Date; job: EffectiveSchedule }> {
  const jobs = effectiveSchedules(await loadSchedules(join(ROOT, 'schedules')), running.estate);
  const effective = jobs.find((j) => j.name === job);
  if (!effective) throw new Error(`no job ${job}`);
  const cron = new Cron(effective.schedule, { timezone: effective.timeZone, paused: true });
  let at = cron.nextRun();
  while (at && (await activeFreeze(running.estate.guard.freezeWindows, at, running.estate.timezone)))
    at = cron.nextRun(new Date(at.getTime() + 60_000));
  if (!at) throw new Error(`${job} never runs`);
  return { at, job: effective };
}

/**
 * Runs a packaged job with the estate's overrides through the embedded scheduler of `opsfn serve`, at the next
 * time the estate configures (see {@link nextRun}): the clock is set just before it and croner fires it in the
 * job's time zone.
 */
export async function runScheduled(
  running: RunningEstate,
  job: string,
): Promise<{ at: Date; timeZone: string; envelope: ResultEnvelope }> {
  const { at, job: effective } = await nextRun(running, job);
  const envelopes: ResultEnvelope[] = [];
  const frozenBefore = vi.isFakeTimers();
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(at.getTime() - 150);
  const scheduler = startScheduler(running.runtime, [effective], (_, envelope) => envelopes.push(envelope));
  try {
    for (let i = 0; i < 1_500 && envelopes.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  } finally {
    scheduler.stop();
    vi.useRealTimers();
  }
  // Back to the clock the test ran on (moved out of a freeze, or the real one).
  if (frozenBefore) await outsideFreezes(running.estate);
  const [envelope] = envelopes;
  if (!envelope) throw new Error(`${job} did not run at ${at.toISOString()}`);
  return { at, timeZone: effective.timeZone, envelope };
}

/** Stops what a test file started: the served estate, its runtime, then each stand-in in order, whatever fails. */
export async function stopEstate(
  served: { close(): Promise<void> } | undefined,
  running: RunningEstate | undefined,
  stops: (() => Promise<unknown>)[],
): Promise<void> {
  await served?.close();
  await running?.close();
  for (const stop of stops) await stop().catch(() => undefined);
}
