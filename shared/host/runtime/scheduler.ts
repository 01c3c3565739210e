import { Cron } from 'croner';
import type { Schedule } from '../../core/config/index.js';
import type { ResultEnvelope } from '../../core/run/index.js';
import type { Runtime } from './runtime.js';

/** A running embedded scheduler. */
export interface Scheduler {
  /** The jobs with their time zone and next run, as of now. */
  readonly jobs: { name: string; function: string; timeZone: string; next: Date | null }[];
  /** Runs a job now, as its schedule would, and resolves when it (and its retries) finished. */
  trigger(name: string): Promise<void>;
  stop(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `schedules/*.yaml` (with the estate's overrides applied by the caller) in-process with croner, in each
 * job's time zone (else the estate's).
 * A tick is skipped while the previous run of the same job is still going; a retryable failure is
 * retried with the job's backoff, as Cloud Scheduler would.
 */
export function startScheduler(
  runtime: Runtime,
  schedules: Schedule[],
  onResult: (job: Schedule, envelope: ResultEnvelope) => void = () => {},
): Scheduler {
  const known = new Set(runtime.functions.map((f) => f.name));
  const zoneOf = (job: Schedule) => job.timeZone ?? runtime.config.timezone;
  const crons: { job: Schedule; cron: Cron }[] = [];
  // Jobs run by hand (`trigger`), which are named by when they ran: no tick was due.
  const forcedRuns = new Set<string>();
  for (const job of schedules.filter((s) => !s.paused && known.has(s.function))) {
    const cron = new Cron(
      job.schedule,
      {
        timezone: zoneOf(job),
        protect: (skipped) =>
          runtime.reject(job.function, `scheduled run of ${job.name} skipped: the previous run is still going`, {
            job: job.name,
            since: skipped.currentRun()?.toISOString(),
          }),
        catch: true,
      },
      async (self: Cron) => {
        // A tick is named by the instant it was due, not when its timer fired (croner's currentRun): a replica
        // whose event loop was held past that second would otherwise give the same tick another id, and run it.
        const firedAt = self.currentRun() ?? new Date();
        const forced = forcedRuns.delete(job.name);
        const due = forced ? undefined : self.previousRuns(1, new Date(firedAt.getTime() + 1))[0];
        const scheduledAt = (due ?? firedAt).toISOString();
        let backoff = job.retry.minBackoff;
        for (let attempt = 0; ; attempt++) {
          const envelope = await runtime.invoke(job.function, {
            kind: 'scheduled',
            id: `local:${job.name}:${scheduledAt}`,
            job: job.name,
            scheduledAt,
            payload: job.payload,
          });
          onResult(job, envelope);
          const retryable = envelope.error?.retryable === true;
          if (!retryable || attempt >= job.retry.count) return;
          await sleep(backoff);
          backoff = Math.min(backoff * 2, job.retry.maxBackoff);
        }
      },
    );
    crons.push({ job, cron });
  }
  return {
    get jobs() {
      return crons.map(({ job, cron }) => ({
        name: job.name,
        function: job.function,
        timeZone: zoneOf(job),
        next: cron.nextRun(),
      }));
    },
    async trigger(name) {
      const entry = crons.find((c) => c.job.name === name);
      if (!entry) throw new Error(`no scheduled job "${name}"`);
      forcedRuns.add(name);
      await entry.cron.trigger();
    },
    stop: () => {
      for (const { cron } of crons) cron.stop();
    },
  };
}
