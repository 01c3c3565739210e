/** The parts of a Cloud SQL instance a drill reads. */
export interface SqlInstance {
  name: string;
  databaseVersion?: string;
  region?: string;
  tier?: string;
  labels: Record<string, string>;
  /** `ipAddresses`: `PRIMARY` (public), `PRIVATE` (VPC) and `OUTGOING` addresses. */
  addresses: { type: string; ip: string }[];
  /** `settings.ipConfiguration.privateNetwork`: the VPC its private address is on. */
  network?: string;
  /** `settings.ipConfiguration.ipv4Enabled`: whether it has a public address. */
  publicIp: boolean;
  /** Whether point-in-time recovery is on (binary logs for MySQL, PITR otherwise) and how many days of logs it keeps. */
  pitr: { enabled: boolean; retentionDays: number };
  /** `settings.deletionProtectionEnabled`: a delete is refused while it is on. */
  deletionProtection: boolean;
  /** `state`: `PENDING_CREATE` while it is created or cloned, `RUNNABLE`, `FAILED` when its creation failed, … */
  state?: string;
}

/** A SQL Admin operation as far as a drill cares. */
export interface SqlOperation {
  name: string;
  done: boolean;
  error?: string;
}

/** A SQL Admin operation as the API returns it. */
export type Op = {
  name?: string | null;
  status?: string | null;
  error?: { errors?: { message?: string | null }[] | null } | null;
};

interface InstanceSettings {
  tier?: string;
  deletionProtectionEnabled?: boolean;
  userLabels?: Record<string, string>;
  ipConfiguration?: { privateNetwork?: string; ipv4Enabled?: boolean };
  backupConfiguration?: {
    pointInTimeRecoveryEnabled?: boolean;
    binaryLogEnabled?: boolean;
    transactionLogRetentionDays?: number;
  };
}

/** The drill's view of an instance resource. */
export function toInstance(d: Record<string, unknown>): SqlInstance {
  const settings = (d.settings ?? {}) as InstanceSettings;
  const backup = settings.backupConfiguration ?? {};
  const mysql = typeof d.databaseVersion === 'string' && d.databaseVersion.startsWith('MYSQL');
  return {
    name: String(d.name),
    ...(typeof d.databaseVersion === 'string' ? { databaseVersion: d.databaseVersion } : {}),
    ...(typeof d.region === 'string' ? { region: d.region } : {}),
    ...(settings.tier ? { tier: settings.tier } : {}),
    labels: settings.userLabels ?? {},
    addresses: ((d.ipAddresses ?? []) as { type?: string; ipAddress?: string }[])
      .filter((a) => typeof a.ipAddress === 'string' && a.ipAddress !== '')
      .map((a) => ({ type: a.type ?? 'PRIMARY', ip: String(a.ipAddress) })),
    ...(settings.ipConfiguration?.privateNetwork ? { network: settings.ipConfiguration.privateNetwork } : {}),
    publicIp: settings.ipConfiguration?.ipv4Enabled !== false,
    pitr: {
      // MySQL recovers to a point in time from binary logs, PostgreSQL and SQL Server from PITR logs.
      enabled: (mysql ? backup.binaryLogEnabled : backup.pointInTimeRecoveryEnabled) === true,
      retentionDays: backup.transactionLogRetentionDays ?? 7,
    },
    deletionProtection: settings.deletionProtectionEnabled === true,
    ...(typeof d.state === 'string' ? { state: d.state } : {}),
  };
}

/** The drill's view of an operation resource. */
export function toOperation(op: Op): SqlOperation {
  const error = op.error?.errors?.map((e) => e.message).join('; ');
  return { name: op.name ?? '', done: op.status === 'DONE', ...(error ? { error } : {}) };
}
