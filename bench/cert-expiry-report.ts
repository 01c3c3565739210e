import { availableParallelism, loadavg } from 'node:os';
import type { CertItem } from '../functions/cert-expiry/types.js';
import type { Blackbox } from './blackbox.js';

// How the certExpiry bench measures one contender, and the figures it prints and writes.

import { median, type Timed } from './measure.js';

export { type Timed, timed } from './measure.js';

const best = (values: number[]) => Math.round(Math.min(...values));
/** Items per status. */
export const statusesOf = (items: CertItem[]) =>
  Object.fromEntries(['ok', 'warn', 'critical', 'error'].map((s) => [s, items.filter((i) => i.status === s).length]));

/** Everything one bench run measured. */
export interface Measured {
  endpoints: number;
  concurrency: number;
  smoke: boolean;
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
export function summarize(measured: Measured) {
  const { endpoints, concurrency, smoke, items, threads, cold, runs, bb, openssl, sample, blackbox, loadAtStart } =
    measured;
  const opensslScaled = (openssl.ms / sample) * endpoints;
  const ms = (list: Timed<unknown>[]) => list.map((r) => r.ms);
  const certExpiryMs = Math.min(...ms(runs.pooled));
  const blackboxMs = bb.length > 0 ? Math.min(...bb.map((r) => r.ms)) : undefined;
  const result = {
    endpoints,
    concurrency,
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
    // Best rounds are the ratio judged; the medians say how much one run's rounds moved.
    medianRatioVsBlackbox:
      bb.length > 0 ? Number((median(ms(runs.pooled)) / median(bb.map((r) => r.ms))).toFixed(2)) : null,
    speedupVsOpenssl: Number((opensslScaled / certExpiryMs).toFixed(1)),
    ratioVsPlainSweep: Number((Math.min(...ms(runs.plain)) / certExpiryMs).toFixed(2)),
    targets: { ratioVsBlackbox: 1, speedupVsOpenssl: 20, ratioVsPlainSweep: 1 },
    loadAverage: { start: loadAtStart, end: loadavg()[0]! },
    smoke,
    node: process.version,
    openssl: process.versions.openssl,
    at: new Date().toISOString(),
  };
  return result;
}

/** Prints the figures. */
export function report(r: ReturnType<typeof summarize>): void {
  const cpu = r.cpuMs;
  console.log(`on Node ${r.node} (OpenSSL ${r.openssl})`);
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
  console.log(
    `certExpiry time / blackbox_exporter time: ${r.ratioVsBlackbox ?? '-'} (target <= 1; medians of the rounds ${r.medianRatioVsBlackbox ?? '-'})`,
  );
  console.log(`speed-up vs openssl loop: ${r.speedupVsOpenssl}x (target >= 20x)`);
  console.log(`plain sweep time / certExpiry time: ${r.ratioVsPlainSweep} (target >= 1)`);
}
