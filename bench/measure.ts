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
