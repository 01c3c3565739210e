/** One error-rate measurement over a window. */
export interface ErrorRateSample {
  /** 5xx / total, in [0, 1], when the source measures shares. */
  ratio?: number;
  /** 5xx responses per second over the window, when the source measures rates. */
  perSecond?: number;
  /** Requests in the window, when the source can count them. */
  total?: number;
  /** 5xx responses in the window, when the source can count them. */
  errors?: number;
}

/** What to measure: the whole service or one revision, over `windowMs` ending at `end`. */
export interface ErrorRateQuery {
  /** Short revision (Cloud Run) or ReplicaSet name; the whole service when omitted. */
  revision?: string;
  end: Date;
  windowMs: number;
  /**
   * The earliest time a rate counts, when later than the window's start: a revision created inside the window
   * served nothing before it, and a 5xx rate over the whole window would understate what it serves.
   */
  from?: Date;
  signal?: AbortSignal;
}

/**
 * The metrics port: the 5xx ratio (or rate) of a service (or one revision) over a window. Returns undefined when
 * there is no data; throws `DependencyError` when the metrics API fails or hangs. Never guesses.
 */
export interface MetricsSource {
  /** Names the backend in evidence (`cloud-monitoring`, `prometheus`). */
  readonly kind: string;
  /**
   * How long after the fact its data may take to show (Cloud Monitoring: 180 s); none when absent. A reading that
   * must cover a window completely (a rollback's verification) waits this long past the window's end.
   */
  readonly visibleAfterMs?: number;
  /** Measures the error ratio; undefined when the window holds no data. */
  errorRate(query: ErrorRateQuery): Promise<ErrorRateSample | undefined>;
}
