import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CheckOptions, sweepCertificates } from '../functions/cert-expiry/check.js';
import { stopProbeWorkers } from '../functions/cert-expiry/probe-pool.js';
import { loadTrustStore } from '../functions/cert-expiry/trust.js';
import type { CertItem } from '../functions/cert-expiry/types.js';
import { createTlsFixtures } from '../test/support/tls-fixtures.js';
import { type Blackbox, blackboxBinary, startBlackbox } from './blackbox.js';
import { blackboxModules, blackboxProbes, opensslLoop, plainSweep } from './cert-expiry-baselines.js';
import { startEstate } from './cert-expiry-estate.js';

const SMOKE = process.env.BENCH_SMOKE === '1';
const ENDPOINTS = 1_000;
// Two server processes, one per core of the target machine, so the servers are not what is measured.
const SERVER_PROCESSES = 2;
const CONCURRENCY = 64;
const TIMEOUT_MS = 5_000;
const OPENSSL_SAMPLE = SMOKE ? 3 : 10;
const ROUNDS = SMOKE ? 1 : 5;
const HERE = dirname(fileURLToPath(import.meta.url));

interface Timed<T> {
  ms: number;
  /** CPU of this process, every thread: certExpiry's workers count, the server processes do not. */
  cpuMs: number;
  /** Highest resident set size seen during the work, above what it was before. */
  rssGrowthMiB: number;
  value: T;
}

async function timed<T>(work: () => Promise<T>): Promise<Timed<T>> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { ms, cpuMs: (used.user + used.system) / 1_000, rssGrowthMiB: (peak - before) / 2 ** 20, value };
}

const best = (values: number[]) => Math.round(Math.min(...values));
const statusesOf = (items: CertItem[]) =>
  Object.fromEntries(['ok', 'warn', 'critical', 'error'].map((s) => [s, items.filter((i) => i.status === s).length]));

/** Starts blackbox_exporter, or in a smoke run without it installed says so and goes on without. */
async function maybeBlackbox(caFile: string): Promise<Blackbox | undefined> {
  if (SMOKE && !blackboxBinary()) {
    console.log('blackbox_exporter not installed: its baseline is left out of this smoke run');
    return undefined;
  }
  return startBlackbox(blackboxModules(caFile, TIMEOUT_MS));
}

/** Runs every sweep against the same 1,000 loopback endpoints, prints the figures and writes the JSON. */
export async function main(): Promise<Record<string, unknown>> {
  const fx = createTlsFixtures();
  const loadAtStart = loadavg()[0]!;
  const estate = await startEstate(fx, ENDPOINTS, SERVER_PROCESSES);
  const blackbox = await maybeBlackbox(fx.caFile).catch((error: unknown) => {
    estate.stop();
    throw error;
  });
  try {
    const { targets } = estate;
    const options: CheckOptions = {
      now: () => new Date(),
      thresholds: { warnDays: 30, criticalDays: 7 },
      timeoutMs: TIMEOUT_MS,
      concurrency: CONCURRENCY,
      runTimeoutMs: 120_000,
      loadTrust: () => loadTrustStore([fx.caFile]),
    };
    const inline = { ...options, threads: 0 };
    const trusted = [fx.root.pem, fx.oldRoot.pem];
    const probes = blackboxProbes(targets);
    // The first sweep after a start pays for starting the worker threads; a scheduled run does too.
    stopProbeWorkers();
    const cold = await timed(() => sweepCertificates(targets, options));
    await sweepCertificates(targets.slice(0, 100), inline);
    await plainSweep(targets.slice(0, 100), trusted, CONCURRENCY);
    await blackbox?.sweep(probes.slice(0, 100), CONCURRENCY);
    const runs: Measured['runs'] = { pooled: [], inline: [], plain: [] };
    const bb: Measured['bb'] = [];
    let items: CertItem[] = [];
    let threads = 0;
    // Interleaved rounds, so a slow spell of the machine hits every contender alike.
    for (let round = 0; round < ROUNDS; round++) {
      const pooled = await timed(() => sweepCertificates(targets, options));
      ({ items, threads } = pooled.value);
      runs.pooled.push(pooled);
      if (blackbox) {
        const exporterBefore = blackbox.cpuMs();
        const driven = await timed(() => blackbox.sweep(probes, CONCURRENCY));
        const exporterCpuMs = blackbox.cpuMs() - exporterBefore;
        bb.push({ ms: driven.ms, exporterCpuMs, driverCpuMs: driven.cpuMs, succeeded: driven.value.succeeded });
      }
      const single = await timed(() => sweepCertificates(targets, inline));
      if (JSON.stringify(statusesOf(single.value.items)) !== JSON.stringify(statusesOf(items))) {
        throw new Error('the inline and the worker-thread sweeps disagree: this bench measures nothing');
      }
      runs.inline.push(single);
      runs.plain.push(await timed(() => plainSweep(targets, trusted, CONCURRENCY)));
    }
    if (items.length !== ENDPOINTS) throw new Error(`expected ${ENDPOINTS} items, got ${items.length}`);
    const sample = targets.slice(0, OPENSSL_SAMPLE);
    const openssl = await timed(() => opensslLoop(sample));
    const result = summarize({ items, threads, cold, runs, bb, openssl, sample: sample.length, blackbox, loadAtStart });
    report(result);
    mkdirSync(join(HERE, 'results'), { recursive: true });
    writeFileSync(join(HERE, 'results', 'cert-expiry.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await blackbox?.stop();
    estate.stop();
    fx.pki.cleanup();
  }
}

interface Measured {
  items: CertItem[];
  threads: number;
  cold: Timed<unknown>;
  runs: Record<'pooled' | 'inline' | 'plain', Timed<unknown>[]>;
  bb: { ms: number; exporterCpuMs: number; driverCpuMs: number; succeeded: number }[];
  openssl: Timed<number>;
  sample: number;
  blackbox: Blackbox | undefined;
  loadAtStart: number;
}

/** The figures of one bench run, as printed and written to bench/results/cert-expiry.json. */
function summarize({ items, threads, cold, runs, bb, openssl, sample, blackbox, loadAtStart }: Measured) {
  const opensslScaled = (openssl.ms / sample) * ENDPOINTS;
  const ms = (list: Timed<unknown>[]) => list.map((r) => r.ms);
  const certExpiryMs = Math.min(...ms(runs.pooled));
  const blackboxMs = bb.length > 0 ? Math.min(...bb.map((r) => r.ms)) : undefined;
  const result = {
    endpoints: ENDPOINTS,
    concurrency: CONCURRENCY,
    cores: availableParallelism(),
    threads,
    statuses: statusesOf(items),
    certExpiryMs: Math.round(certExpiryMs),
    certExpiryColdMs: Math.round(cold.ms),
    certExpiryInlineMs: best(ms(runs.inline)),
    blackboxMs: blackboxMs === undefined ? null : Math.round(blackboxMs),
    plainTlsSweepMs: best(ms(runs.plain)),
    opensslLoop: { sample, sampleMs: Math.round(openssl.ms), scaledMs: Math.round(opensslScaled) },
    cpuMs: {
      certExpiry: best(runs.pooled.map((r) => r.cpuMs)),
      certExpiryInline: best(runs.inline.map((r) => r.cpuMs)),
      blackbox: bb.length > 0 ? best(bb.map((r) => r.exporterCpuMs + r.driverCpuMs)) : null,
      plainTlsSweep: best(runs.plain.map((r) => r.cpuMs)),
    },
    rssGrowthMiB: {
      certExpiry: Number(Math.max(...runs.pooled.map((r) => r.rssGrowthMiB)).toFixed(1)),
      certExpiryCold: Number(cold.rssGrowthMiB.toFixed(1)),
      certExpiryInline: Number(Math.max(...runs.inline.map((r) => r.rssGrowthMiB)).toFixed(1)),
    },
    rounds: {
      certExpiryMs: ms(runs.pooled).map(Math.round),
      blackboxMs: bb.map((r) => Math.round(r.ms)),
      certExpiryInlineMs: ms(runs.inline).map(Math.round),
      plainTlsSweepMs: ms(runs.plain).map(Math.round),
    },
    blackbox: blackbox ? { version: blackbox.version, succeeded: bb[0]?.succeeded } : null,
    ratioVsBlackbox: blackboxMs === undefined ? null : Number((certExpiryMs / blackboxMs).toFixed(2)),
    speedupVsOpenssl: Number((opensslScaled / certExpiryMs).toFixed(1)),
    ratioVsPlainSweep: Number((Math.min(...ms(runs.plain)) / certExpiryMs).toFixed(2)),
    targets: { ratioVsBlackbox: 1, speedupVsOpenssl: 20, ratioVsPlainSweep: 1 },
    loadAverage: { start: loadAtStart, end: loadavg()[0]! },
    smoke: SMOKE,
    node: process.version,
    at: new Date().toISOString(),
  };
  return result;
}

function report(r: ReturnType<typeof summarize>): void {
  const cpu = r.cpuMs;
  console.log(
    `certExpiry: ${r.endpoints} endpoints in ${r.certExpiryMs} ms on ${r.threads} worker threads (${JSON.stringify(r.statuses)})`,
  );
  console.log(
    `  first sweep, starting the workers: ${r.certExpiryColdMs} ms; on the calling thread alone: ${r.certExpiryInlineMs} ms`,
  );
  if (r.blackbox) {
    console.log(
      `blackbox_exporter ${r.blackbox.version} /probe at concurrency ${r.concurrency}: ${r.blackboxMs} ms (${r.blackbox.succeeded} probe_success)`,
    );
  }
  console.log(`plain tls.connect sweep at concurrency ${r.concurrency}: ${r.plainTlsSweepMs} ms`);
  console.log(
    `openssl s_client | x509 loop: ${r.opensslLoop.sampleMs} ms for ${r.opensslLoop.sample}, scaled ${r.opensslLoop.scaledMs} ms`,
  );
  console.log(
    `CPU per sweep: certExpiry ${cpu.certExpiry} ms (inline ${cpu.certExpiryInline} ms), blackbox_exporter + driver ${cpu.blackbox ?? '-'} ms, plain sweep ${cpu.plainTlsSweep} ms`,
  );
  console.log(
    `RSS growth during a sweep: ${r.rssGrowthMiB.certExpiry} MiB on workers, ${r.rssGrowthMiB.certExpiryCold} MiB starting them, ${r.rssGrowthMiB.certExpiryInline} MiB inline`,
  );
  console.log(
    `load average: ${r.loadAverage.start.toFixed(1)} at start, ${r.loadAverage.end.toFixed(1)} at end, on ${r.cores} cores`,
  );
  console.log(`certExpiry time / blackbox_exporter time: ${r.ratioVsBlackbox ?? '-'} (target <= 1)`);
  console.log(`speed-up vs openssl loop: ${r.speedupVsOpenssl}x (target >= 20x)`);
  console.log(`plain sweep time / certExpiry time: ${r.ratioVsPlainSweep} (target >= 1)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
