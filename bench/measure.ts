/** One measured piece of work. */
export interface Timed<T> {
  ms: number;
  /** CPU of this process, every thread (its workers count; servers run elsewhere show in wall time only). */
  cpuMs: number;
  /** Highest resident set size seen during the work, above what it was before. */
  rssGrowthMiB: number;
  value: T;
}

/** Wall time, CPU of this (client) process and its RSS growth while `work` runs. */
export async function timed<T>(work: () => Promise<T>): Promise<Timed<T>> {
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

/** The middle value; the mean of the two middle ones for an even count. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
