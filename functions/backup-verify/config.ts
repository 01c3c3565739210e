import {
  AssertionSchema,
  type ConfigIssue,
  type ConfigSection,
  DurationSchema,
  NameSchema,
  referenceIssues,
  ScratchServerSchema,
  SecretRefSchema,
  SizeSchema,
  UrlOrSecretSchema,
} from '../../shared/core/config/index.js';
import * as z from '../../shared/core/schema/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A weekly (by default) restore of the newest dump into a scratch database, followed by assertions. */
export const RestoreTestSchema = z.strictObject({
  scratch: ScratchServerSchema,
  assertions: z._default(z.array(AssertionSchema), []),
  restoreEvery: z._default(DurationSchema, 7 * DAY),
  /** PostgreSQL: drop OWNER TO / GRANT / REVOKE lines (like `pg_restore --no-owner --no-acl`), so production roles need not exist. */
  noOwner: z._default(z.boolean(), true),
  timeout: z._default(DurationSchema, 60 * 60_000),
  /** A restore whose input stalls this long is aborted. */
  idleTimeout: z._default(DurationSchema, 2 * 60_000),
});
export type RestoreTest = z.infer<typeof RestoreTestSchema>;

/** A Cloud SQL instance, named directly or through a `databases` entry of kind `cloud-sql`. */
export const CloudSqlBackupSchema = z
  .strictObject({
    kind: z.literal('cloud-sql'),
    database: z.optional(NameSchema),
    project: z.optional(NameSchema),
    instance: z.optional(NameSchema),
    rpo: z._default(DurationSchema, 26 * HOUR),
    minCount: z._default(z.number().check(z.int(), z.gte(1)), 7),
    /** Require point-in-time recovery (binary log for MySQL). */
    pitr: z._default(z.boolean(), true),
    timeout: z._default(DurationSchema, 30_000),
  })
  .check(
    z.refine((b) => (b.database !== undefined) !== (b.project !== undefined || b.instance !== undefined), {
      message: 'give either "database" or "project" and "instance"',
    }),
    z.refine((b) => b.database !== undefined || (b.project !== undefined && b.instance !== undefined), {
      message: 'expected both "project" and "instance"',
    }),
  );
export type CloudSqlBackup = z.infer<typeof CloudSqlBackupSchema>;

/** Dumps in GCS, S3 (or S3-compatible: Aliyun OSS, MinIO) or a local directory. */
export const ObjectStoreBackupSchema = z.strictObject({
  kind: z.literal('object-store'),
  url: z
    .string()
    .check(z.regex(/^(gs|s3|file):\/\//, 'expected gs://bucket/prefix/, s3://bucket/prefix/ or file:///dir/')),
  endpoint: z.optional(z.url()),
  forcePathStyle: z.optional(z.boolean()),
  region: z.optional(z.string().check(z.minLength(1))),
  /** S3 keys as secret references; without them the SDK's default chain applies. */
  credentials: z.optional(z.strictObject({ accessKeyId: SecretRefSchema, secretAccessKey: SecretRefSchema })),
  /** Glob matched against the key below the URL's prefix: `*` within a path segment, `**` across. */
  pattern: z._default(z.string().check(z.minLength(1)), '*'),
  rpo: z._default(DurationSchema, 26 * HOUR),
  minBytes: z._default(SizeSchema, 1),
  sizeDropPercent: z._default(z.number().check(z.gte(0), z.lte(100)), 50),
  retentionDays: z.optional(z.number().check(z.int(), z.positive())),
  /**
   * `false` for dumps in a format completeness cannot judge (pg_dump custom format, another tool's export): their
   * `completeness` is skipped instead of warning. A plain pg_dump, pg_dumpall or mysqldump is still judged by its
   * trailer, and a dump that decodes to nothing still fails.
   */
  completeness: z._default(z.boolean(), true),
  /** Bound on the whole read; a run's own time for verifying (`limits.timeout` less its reserve) bounds it too. */
  timeout: z._default(DurationSchema, 60 * 60_000),
  /** A read that delivers no bytes this long is aborted. */
  idleTimeout: z._default(DurationSchema, 2 * 60_000),
  restoreTest: z.optional(RestoreTestSchema),
});
export type ObjectStoreBackup = z.infer<typeof ObjectStoreBackupSchema>;

/** Redis persistence (RDB snapshots, AOF) checked through `INFO persistence`, or what Memorystore lets be checked. */
export const RedisBackupSchema = z
  .strictObject({
    kind: z.literal('redis'),
    url: UrlOrSecretSchema(/^rediss?:\/\//, 'expected a redis:// URL'),
    rpo: z._default(DurationSchema, 26 * HOUR),
    aof: z._default(z.boolean(), false),
    /**
     * `memorystore`: Google's Memorystore for Redis, which blocks BGSAVE, LASTSAVE and CONFIG and takes its own RDB
     * snapshots: the RPO is judged on the replica's lag, the snapshots are reported as not checkable.
     */
    managed: z.optional(z.enum(['memorystore'])),
    timeout: z._default(DurationSchema, 10_000),
  })
  .check(
    z.refine((b) => !(b.managed === 'memorystore' && b.aof), {
      message: 'Memorystore for Redis has no AOF: drop "aof" (its persistence is RDB snapshots)',
      path: ['aof'],
    }),
  );
export type RedisBackup = z.infer<typeof RedisBackupSchema>;

/** One backup, by kind. */
export const BackupSchema = z.discriminatedUnion('kind', [
  CloudSqlBackupSchema,
  ObjectStoreBackupSchema,
  RedisBackupSchema,
]);
export type Backup = z.infer<typeof BackupSchema>;

/** `backups.<name>`: what backupVerify checks. */
export const BackupsSchema = z._default(z.record(NameSchema, BackupSchema), {});
export type Backups = z.infer<typeof BackupsSchema>;

/**
 * Cross-references a parsed `backups` section against `databases`: every `cloud-sql` backup naming a
 * `database` must find an entry of kind `cloud-sql`.
 */
export function backupReferenceIssues(backups: Backups, databases: Record<string, { kind: string }>): ConfigIssue[] {
  return Object.entries(backups).flatMap(([name, backup]) =>
    backup.kind !== 'cloud-sql' || backup.database === undefined
      ? []
      : referenceIssues(['backups', name, 'database'], 'database', backup.database, databases, {
          test: (db) => db.kind === 'cloud-sql',
          expected: 'a cloud-sql entry of databases',
        }),
  );
}

declare module '../../shared/core/config/index.js' {
  interface EstateSections {
    backups: typeof BackupsSchema;
  }
}

/** The `backups` section of the estate. */
export const backupVerifySection: ConfigSection<'backups'> = {
  key: 'backups',
  schema: BackupsSchema,
  check: (estate) => backupReferenceIssues(estate.backups, estate.databases),
};
