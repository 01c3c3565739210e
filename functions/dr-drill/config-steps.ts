import * as z from 'zod';
import {
  AssertionSchema,
  DurationSchema,
  NameSchema,
  ScratchServerSchema,
  SecretRefSchema,
  UrlOrSecretSchema,
} from '../../shared/core/config/index.js';

const MINUTE = 60_000;

/** A step name: it becomes part of resource names, so short, lowercase and DNS-safe. */
export const StepNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,15}$/, 'expected a step name like "restore" (a-z0-9-, at most 16 chars)');

/** Which address of a Cloud SQL copy to connect to: its private (VPC) one by default, or its public one. */
const IpTypeSchema = z.enum(['PRIVATE', 'PRIMARY']).default('PRIVATE');

/**
 * How a drill reaches the copy a Cloud SQL step made, for `db.assert` and the heartbeat: a URL like
 * production's (user, password, database, options), whose host is ALWAYS replaced by the copy's
 * address, so it can never reach production.
 */
export const CopyConnectSchema = z
  .strictObject({
    postgres: UrlOrSecretSchema(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').optional(),
    mysql: UrlOrSecretSchema(/^(mysql|mariadb):\/\//, 'expected a mysql:// URL').optional(),
    ipType: IpTypeSchema,
  })
  .refine((c) => (c.postgres === undefined) !== (c.mysql === undefined), {
    message: 'give exactly one of "postgres" or "mysql"',
  });
export type CopyConnect = z.infer<typeof CopyConnectSchema>;

const CloudSqlSourceSchema = {
  /** A `databases` entry of kind `cloud-sql`, or `project` + `instance`. */
  database: NameSchema.optional(),
  project: NameSchema.optional(),
  instance: NameSchema.optional(),
  timeout: DurationSchema.default(60 * MINUTE),
  pollInterval: DurationSchema.default(15_000),
  /** Connect to the copy once it is up, so `db.assert` can check it and the heartbeat can be read from it. */
  connect: CopyConnectSchema.optional(),
};

const hasSource = (s: {
  database?: string | undefined;
  project?: string | undefined;
  instance?: string | undefined;
}) =>
  s.database !== undefined
    ? s.project === undefined && s.instance === undefined
    : s.project !== undefined && s.instance !== undefined;
const SOURCE_MESSAGE = { message: 'give either "database" or both "project" and "instance"' };

/** `sql.clone`: Cloud SQL `instances.clone` into `opsfn-drill-<id>-<name>`, optionally at a point in time. */
export const SqlCloneStepSchema = z
  .strictObject({
    step: z.literal('sql.clone'),
    name: StepNameSchema.optional(),
    ...CloudSqlSourceSchema,
    /**
     * Point-in-time recovery to this long before the clone starts (`15m`): a fixed timestamp would fall out
     * of the source's log retention (1–7 days) as the plan ages. Needs PITR (binary logs on MySQL).
     */
    pointInTime: DurationSchema.refine((ms) => ms >= MINUTE && ms <= 7 * 24 * 60 * MINUTE, {
      message: 'expected a point in time between 1m and 7d ago, like "15m"',
    }).optional(),
  })
  .refine(hasSource, SOURCE_MESSAGE);

/** `sql.restoreBackup`: the latest SUCCESSFUL backup run restored into a fresh scratch instance. */
export const SqlRestoreBackupStepSchema = z
  .strictObject({
    step: z.literal('sql.restoreBackup'),
    name: StepNameSchema.optional(),
    ...CloudSqlSourceSchema,
    /** Machine tier of the scratch instance; the source's tier when omitted. */
    tier: z.string().min(1).optional(),
    /**
     * VPC of the scratch instance (`projects/P/global/networks/N`), for its PRIVATE address; the source's
     * network when omitted. Cloud SQL gives an instance a private address only on such a network.
     */
    network: z
      .string()
      .regex(
        /^\/?projects\/[^/]+\/global\/networks\/[^/]+$/,
        'expected a network like "projects/p/global/networks/default"',
      )
      .optional(),
  })
  .refine(hasSource, SOURCE_MESSAGE);

/** `db.restoreDump`: the newest dump of an object-store `backups` entry into a scratch database. */
export const RestoreDumpStepSchema = z.strictObject({
  step: z.literal('db.restoreDump'),
  name: StepNameSchema.optional(),
  backup: NameSchema,
  scratch: ScratchServerSchema,
  timeout: DurationSchema.default(60 * MINUTE),
  idleTimeout: DurationSchema.default(2 * MINUTE),
});

/**
 * `db.assert`: SQL assertions against the copy made by an earlier `db.restoreDump`, or by an earlier
 * `sql.clone` / `sql.restoreBackup` with `connect` (the latest such step by default, or the one `of` names).
 */
export const AssertStepSchema = z.strictObject({
  step: z.literal('db.assert'),
  name: StepNameSchema.optional(),
  of: StepNameSchema.optional(),
  assertions: z.array(AssertionSchema).min(1, 'expected at least one assertion'),
  timeout: DurationSchema.default(MINUTE),
});

/** `run.deploy`: a Cloud Run service `opsfn-drill-<id>-<name>` in the DR region from production's current image. */
export const RunDeployStepSchema = z.strictObject({
  step: z.literal('run.deploy'),
  name: StepNameSchema.optional(),
  /** A `services` entry of platform `cloud-run`. */
  service: NameSchema,
  region: z.string().regex(/^[a-z]+-[a-z]+\d{1,2}$/, 'expected a region like "us-west1" or "europe-west10"'),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
  timeout: DurationSchema.default(15 * MINUTE),
  pollInterval: DurationSchema.default(5_000),
});

/** `http.check`: one URL with expected status, body match and latency bound, retried until it passes `within`. */
export const HttpCheckStepSchema = z.strictObject({
  step: z.literal('http.check'),
  name: StepNameSchema.optional(),
  /** May name a deployed step's URL: `{{deploy.url}}/healthz`. */
  url: z
    .string()
    .regex(/^(https?:\/\/|\{\{[a-z][a-z0-9-]*\.url\}\})/, 'expected an http(s) URL or "{{step.url}}/path"'),
  method: z.enum(['GET', 'HEAD']).default('GET'),
  headers: z.record(z.string(), z.union([z.string(), SecretRefSchema])).default({}),
  /** Send a Google identity token for the URL's origin (a Cloud Run service that is not public). */
  idToken: z.boolean().default(false),
  expect: z
    .strictObject({
      status: z
        .union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)])
        .default(200),
      /** A regular expression the body must match. */
      body: z
        .string()
        .min(1)
        .refine((source) => {
          try {
            new RegExp(source);
            return true;
          } catch {
            return false;
          }
        }, 'expected a valid regular expression')
        .optional(),
      maxLatency: DurationSchema.optional(),
    })
    .prefault({}),
  within: DurationSchema.default(0),
  interval: DurationSchema.default(5_000),
  timeout: DurationSchema.default(10_000),
});

/** `wait`: a pause between steps (long pauses span invocations). */
export const WaitStepSchema = z.strictObject({
  step: z.literal('wait'),
  name: StepNameSchema.optional(),
  duration: DurationSchema,
});

/** `cleanup`: deletes what the drill recorded; runs at the end in any case, listed or not. */
export const CleanupStepSchema = z.strictObject({ step: z.literal('cleanup'), name: StepNameSchema.optional() });

/** One step of a drill plan, by `step`. */
export const DrillStepSchema = z.discriminatedUnion('step', [
  SqlCloneStepSchema,
  SqlRestoreBackupStepSchema,
  RestoreDumpStepSchema,
  AssertStepSchema,
  RunDeployStepSchema,
  HttpCheckStepSchema,
  WaitStepSchema,
  CleanupStepSchema,
]);
export type DrillStep = z.infer<typeof DrillStepSchema>;
