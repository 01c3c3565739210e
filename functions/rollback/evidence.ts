import type { MetricsSource } from '../../shared/adapters/metrics/index.js';
import { errorMessage } from '../../shared/core/errors/index.js';
import type { Reading } from './decide.js';

/** Reads one error rate through the metrics port; an error or a missing source becomes a reading, never a throw. */
export async function readErrorRate(
  metrics: MetricsSource | undefined,
  query: { revision?: string; end: Date; windowMs: number; signal?: AbortSignal },
): Promise<Reading> {
  if (!metrics) return { error: 'no metrics source is configured for this service' };
  try {
    const sample = await metrics.errorRate(query);
    return sample ? { sample } : {};
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

/** A reading as recorded in audit evidence and result items. */
export function describeReading(reading: Reading | undefined): Record<string, unknown> | undefined {
  if (!reading) return undefined;
  if (reading.error !== undefined) return { error: reading.error };
  return reading.sample ? { ...reading.sample } : { noData: true };
}
