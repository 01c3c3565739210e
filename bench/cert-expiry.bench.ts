import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
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
import { type Measured, report, statusesOf, summarize, timed } from './cert-expiry-report.js';

const SMOKE = process.env.BENCH_SMOKE === '1';
const ENDPOINTS = 1_000;
// Two server processes, one per core of the target machine, so the servers are not what is measured.
const SERVER_PROCESSES = 2;
const CONCURRENCY = 64;
const TIMEOUT_MS = 5_000;
const OPENSSL_SAMPLE = SMOKE ? 3 : 10;
const ROUNDS = SMOKE ? 1 : 5;
const HERE = dirname(fileURLToPath(import.meta.url));

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
    const result = summarize({
      endpoints: ENDPOINTS,
      concurrency: CONCURRENCY,
      smoke: SMOKE,
      items,
      threads,
      cold,
      runs,
      bb,
      openssl,
      sample: sample.length,
      blackbox,
      loadAtStart,
    });
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

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
