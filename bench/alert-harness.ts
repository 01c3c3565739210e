import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Estate } from '../functions/estate.js';
import type { Notifier } from '../shared/core/notify/notification.js';
import { MemoryStateStore } from '../shared/core/state/memory.js';
import { createHttpServer } from '../shared/host/runtime/node-server.js';
import { type AnyFunction, createRuntime } from '../shared/host/runtime/runtime.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Latency statistics of one alert benchmark, in milliseconds. */
export interface LatencyStats {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Summarizes latency samples, rounded to 0.1 ms. */
export function latencyStats(samples: readonly number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 10) / 10;
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return {
    count: sorted.length,
    p50: r(percentile(sorted, 50)),
    p90: r(percentile(sorted, 90)),
    p99: r(percentile(sorted, 99)),
    max: r(sorted.at(-1) ?? Number.NaN),
    mean: r(mean),
  };
}

/** A function runtime served over HTTP on loopback with memory state, as `opsfn serve` would. */
export async function serveFunctions(config: Estate, functions: AnyFunction[], env: NodeJS.ProcessEnv = {}) {
  const silent: Notifier = { notify: async () => [{ channel: 'bench', ok: true, attempts: 1 }] };
  const runtime = await createRuntime({
    config,
    functions,
    state: new MemoryStateStore(),
    notifier: silent,
    env,
    logSink: () => {},
  });
  const server: Server = createHttpServer(runtime);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
    },
  };
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** What one alert benchmark needs: how to fire alert `i`, and when each alert's platform call reached the fake. */
export interface AlertBench {
  warmup: number;
  count: number;
  /** Sends alert `i` and resolves when the HTTP reply is back. */
  fire(i: number): Promise<void>;
  /** {@link epochNow} at which each alert's platform call arrived at the fake, by alert index. */
  arrivals(): Promise<Map<number, number>>;
}

/**
 * Fires alerts one at a time (warm: after `warmup` unmeasured ones) and measures alert sent → platform call
 * arriving at the fake. Throws when an alert produced no platform call, so a broken run never looks fast.
 */
export async function measureAlerts(bench: AlertBench): Promise<LatencyStats> {
  for (let i = 0; i < bench.warmup; i++) await bench.fire(i);
  const sent = new Map<number, number>();
  for (let i = bench.warmup; i < bench.warmup + bench.count; i++) {
    sent.set(i, epochNow());
    await bench.fire(i);
  }
  const arrived = await bench.arrivals();
  const samples = [...sent].map(([i, at]) => {
    const arrival = arrived.get(i);
    if (arrival === undefined) throw new Error(`alert ${i} produced no platform call`);
    return arrival - at;
  });
  return latencyStats(samples);
}

/** Posts JSON with an optional bearer token and fails on a non-2xx reply. */
export async function postJson(url: string, body: unknown, token?: string): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** Prints a result and writes it to `bench/results/<name>.json`. */
export function report(name: string, result: Record<string, unknown>): void {
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(join(HERE, 'results'), { recursive: true });
  writeFileSync(join(HERE, 'results', `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
}
