import {
  AssertionSchema,
  compilesAsRegex,
  DurationSchema,
  NameSchema,
  ScratchServerSchema,
  SecretRefSchema,
  UrlOrSecretSchema,
} from '../../shared/core/config/index.js';
import * as z from '../../shared/core/schema/index.js';

const MINUTE = 60_000;

/** A step name: it becomes part of resource names, so short, lowercase and DNS-safe. */
export const StepNameSchema = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9-]{0,15}$/, 'expected a step name like "restore" (a-z0-9-, at most 16 chars)'));

/** Which address of a Cloud SQL copy to connect to: its private (VPC) one by default, or its public one. */
const IpTypeSchema = z._default(z.enum(['PRIVATE', 'PRIMARY']), 'PRIVATE');

/**
 * How a drill reaches the copy a Cloud SQL step made, for `db.assert` and the heartbeat: a URL like
 * production's (user, password, database, options), whose host is ALWAYS replaced by the copy's
 * address, so it can never reach production.
 */
export const CopyConnectSchema = z
  .strictObject({
    postgres: z.optional(UrlOrSecretSchema(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')),
    mysql: z.optional(UrlOrSecretSchema(/^(mysql|mariadb):\/\//, 'expected a mysql:// URL')),
    ipType: IpTypeSchema,
  })
  .check(
    z.refine((c) => (c.postgres === undefined) !== (c.mysql === undefined), {
      message: 'give exactly one of "postgres" or "mysql"',
    }),
  );
export type CopyConnect = z.infer<typeof CopyConnectSchema>;

const CloudSqlSourceSchema = {
  /** A `databases` entry of kind `cloud-sql`, or `project` + `instance`. */
  database: z.optional(NameSchema),
  project: z.optional(NameSchema),
  instance: z.optional(NameSchema),
  timeout: z._default(DurationSchema, 60 * MINUTE),
  pollInterval: z._default(DurationSchema, 15_000),
  /** Connect to the copy once it is up, so `db.assert` can check it and the heartbeat can be read from it. */
  connect: z.optional(CopyConnectSchema),
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
    name: z.optional(StepNameSchema),
    ...CloudSqlSourceSchema,
    /**
     * Point-in-time recovery to this long before the clone starts (`15m`): a fixed timestamp would fall out
     * of the source's log retention (1–7 days) as the plan ages. Needs PITR (binary logs on MySQL).
     */
    pointInTime: z.optional(
      DurationSchema.check(
        z.refine((ms) => ms >= MINUTE && ms <= 7 * 24 * 60 * MINUTE, {
          message: 'expected a point in time between 1m and 7d ago, like "15m"',
        }),
      ),
    ),
  })
  .check(z.refine(hasSource, SOURCE_MESSAGE));

/** `sql.restoreBackup`: the latest SUCCESSFUL backup run restored into a fresh scratch instance. */
export const SqlRestoreBackupStepSchema = z
  .strictObject({
    step: z.literal('sql.restoreBackup'),
    name: z.optional(StepNameSchema),
    ...CloudSqlSourceSchema,
    /** Machine tier of the scratch instance; the source's tier when omitted. */
    tier: z.optional(z.string().check(z.minLength(1))),
    /**
     * VPC of the scratch instance (`projects/P/global/networks/N`), for its PRIVATE address; the source's
     * network when omitted. Cloud SQL gives an instance a private address only on such a network.
     */
    network: z.optional(
      z
        .string()
        .check(
          z.regex(
            /^\/?projects\/[^/]+\/global\/networks\/[^/]+$/,
            'expected a network like "projects/p/global/networks/default"',
          ),
        ),
    ),
  })
  .check(z.refine(hasSource, SOURCE_MESSAGE));

/** `db.restoreDump`: the newest dump of an object-store `backups` entry into a scratch database. */
export const RestoreDumpStepSchema = z.strictObject({
  step: z.literal('db.restoreDump'),
  name: z.optional(StepNameSchema),
  backup: NameSchema,
  scratch: ScratchServerSchema,
  timeout: z._default(DurationSchema, 60 * MINUTE),
  idleTimeout: z._default(DurationSchema, 2 * MINUTE),
});

/**
 * `db.assert`: SQL assertions against the copy made by an earlier `db.restoreDump`, or by an earlier
 * `sql.clone` / `sql.restoreBackup` with `connect` (the latest such step by default, or the one `of` names).
 */
export const AssertStepSchema = z.strictObject({
  step: z.literal('db.assert'),
  name: z.optional(StepNameSchema),
  of: z.optional(StepNameSchema),
  assertions: z.array(AssertionSchema).check(z.minLength(1, 'expected at least one assertion')),
  timeout: z._default(DurationSchema, MINUTE),
});

/** `run.deploy`: a Cloud Run service `opsfn-drill-<id>-<name>` in the DR region from production's current image. */
export const RunDeployStepSchema = z.strictObject({
  step: z.literal('run.deploy'),
  name: z.optional(StepNameSchema),
  /** A `services` entry of platform `cloud-run`. */
  service: NameSchema,
  region: z.string().check(z.regex(/^[a-z]+-[a-z]+\d{1,2}$/, 'expected a region like "us-west1" or "europe-west10"')),
  env: z._default(z.record(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/)), z.string()), {}),
  /**
   * The account the copy runs as (its revisions' `serviceAccount`); default `OPSFN_DR_SERVICE_ACCOUNT`, which
   * Terraform sets from `dr_runtime_service_account`, else Cloud Run's default (the project's compute account).
   */
  serviceAccount: z.optional(
    z.string().check(z.regex(/^[^@\s]+@[^@\s]+\.gserviceaccount\.com$/, 'expected a service account email')),
  ),
  timeout: z._default(DurationSchema, 15 * MINUTE),
  pollInterval: z._default(DurationSchema, 5_000),
});

/** `http.check`: one URL with expected status, body match and latency bound, retried until it passes `within`. */
export const HttpCheckStepSchema = z.strictObject({
  step: z.literal('http.check'),
  name: z.optional(StepNameSchema),
  /** May name a deployed step's URL: `{{deploy.url}}/healthz`. */
  url: z
    .string()
    .check(z.regex(/^(https?:\/\/|\{\{[a-z][a-z0-9-]*\.url\}\})/, 'expected an http(s) URL or "{{step.url}}/path"')),
  method: z._default(z.enum(['GET', 'HEAD']), 'GET'),
  headers: z._default(z.record(z.string(), z.union([z.string(), SecretRefSchema])), {}),
  /** Send a Google identity token for the URL's origin (a Cloud Run service that is not public). */
  idToken: z._default(z.boolean(), false),
  expect: z.prefault(
    z.strictObject({
      status: z._default(
        z.union([
          z.number().check(z.int(), z.gte(100), z.lte(599)),
          z.array(z.number().check(z.int(), z.gte(100), z.lte(599))).check(z.minLength(1)),
        ]),
        200,
      ),
      /** A regular expression the body must match. */
      body: z.optional(z.string().check(z.minLength(1), compilesAsRegex())),
      maxLatency: z.optional(DurationSchema),
    }),
    {},
  ),
  within: z._default(DurationSchema, 0),
  interval: z._default(DurationSchema, 5_000),
  timeout: z._default(DurationSchema, 10_000),
});

/** `wait`: a pause between steps (long pauses span invocations). */
export const WaitStepSchema = z.strictObject({
  step: z.literal('wait'),
  name: z.optional(StepNameSchema),
  duration: DurationSchema,
});

/** `cleanup`: deletes what the drill recorded; runs at the end in any case, listed or not. */
export const CleanupStepSchema = z.strictObject({ step: z.literal('cleanup'), name: z.optional(StepNameSchema) });

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
