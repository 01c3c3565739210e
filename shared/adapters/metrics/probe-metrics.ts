import { setTimeout as delay } from 'node:timers/promises';
import type { ErrorRateQuery, ErrorRateSample, MetricsSource } from './metrics-source.js';

/** What the probe requests and how often. */
export interface ProbeMetricsOptions {
  url: string;
  /** Requests per measurement, spread evenly over the window. */
  samples: number;
  /** Per-request timeout; a request that times out counts as an error. */
  timeoutMs: number;
  now?: () => number;
}

/** How far in the past a window may end and still count as ending now (the time the run took to get here). */
const NOW_SLACK_MS = 1_000;

/**
 * The error ratio measured by requesting the service itself: `samples` GETs spread over the window, where a 5xx
 * answer or a failed request is an error. For estates without a metrics backend. A probe sees only what serves
 * now, so a window that ended in the past has no data, and the revision asked about is whatever serves.
 */
export class ProbeMetrics implements MetricsSource {
  readonly kind = 'probe';

  constructor(private readonly options: ProbeMetricsOptions) {}

  private async once(signal?: AbortSignal): Promise<boolean> {
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const response = await fetch(this.options.url, {
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
        headers: { 'user-agent': 'opsfn-probe' },
      });
      await response.arrayBuffer();
      return response.status >= 500;
    } catch (error) {
      // The run being cancelled is not the service failing.
      if (signal?.aborted) throw error;
      return true;
    }
  }

  /** Samples the URL over the window starting now; undefined when the window ended in the past. */
  async errorRate(query: ErrorRateQuery): Promise<ErrorRateSample | undefined> {
    const now = this.options.now?.() ?? Date.now();
    if (query.end.getTime() < now - NOW_SLACK_MS) return undefined;
    const { samples } = this.options;
    const gap = samples > 1 ? query.windowMs / (samples - 1) : 0;
    let errors = 0;
    for (let i = 0; i < samples; i++) {
      if (i > 0) await delay(gap, undefined, query.signal ? { signal: query.signal } : {});
      if (await this.once(query.signal)) errors++;
    }
    return { ratio: errors / samples, total: samples, errors };
  }
}
