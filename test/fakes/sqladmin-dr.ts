import { type FakeReply, googleError, type RecordedRequest, RecordingServer } from './recording-server.js';

/** The settings of a fake instance that the drill reads or the real API acts on. */
export interface FakeDrSettings {
  tier: string;
  deletionProtectionEnabled?: boolean;
  userLabels?: Record<string, string>;
  ipConfiguration?: { privateNetwork?: string; ipv4Enabled?: boolean };
  backupConfiguration?: {
    pointInTimeRecoveryEnabled?: boolean;
    binaryLogEnabled?: boolean;
    transactionLogRetentionDays?: number;
  };
}

/** One instance of the DR fake. */
export interface FakeDrInstance {
  name: string;
  databaseVersion: string;
  region: string;
  settings: FakeDrSettings;
  ipAddresses?: { type: string; ipAddress: string }[];
  /** `PENDING_CREATE` while a create or clone runs, `RUNNABLE` after, `FAILED` when the create failed. */
  state?: 'PENDING_CREATE' | 'RUNNABLE' | 'FAILED';
}

interface FakeOp {
  name: string;
  project: string;
  type: string;
  target: string;
  polls: number;
  finished: boolean;
  done?: () => void;
  /** What a failed operation leaves: a create's instance in `FAILED`. */
  failed?: () => void;
  error?: string;
}

const DAY = 86_400_000;

/**
 * A SQL Admin v1 error as the API writes it: `error.errors[]` with a reason (`instanceAlreadyExists`,
 * `operationInProgress`) besides the canonical `status`.
 */
function sqlError(code: number, status: string, reason: string, message: string): FakeReply {
  return { status: code, body: { error: { code, status, message, errors: [{ message, domain: 'global', reason }] } } };
}

/** The addresses the real API gives an instance: PRIVATE only on a VPC (`privateNetwork`), PRIMARY unless `ipv4Enabled: false`. */
export function addressesOf(settings: FakeDrSettings): { type: string; ipAddress: string }[] {
  const ip = settings.ipConfiguration;
  return [
    ...(ip?.privateNetwork ? [{ type: 'PRIVATE', ipAddress: '127.0.0.1' }] : []),
    ...(ip?.ipv4Enabled === false ? [] : [{ type: 'PRIMARY', ipAddress: '127.0.0.1' }]),
  ];
}

/** `settings` merged as instances.patch does: labels key by key, a null label value removes the label. */
function patchSettings(current: FakeDrSettings, patch: Record<string, unknown>): FakeDrSettings {
  const labels: Record<string, string> = { ...(current.userLabels ?? {}) };
  for (const [k, v] of Object.entries((patch.userLabels ?? {}) as Record<string, string | null>)) {
    if (v === null) delete labels[k];
    else labels[k] = v;
  }
  return { ...current, ...(patch as Partial<FakeDrSettings>), userLabels: labels };
}

/**
 * A SQL Admin v1 fake for DR drills: instances get/list/insert/patch/delete/clone/restoreBackup,
 * backupRuns.list and operations.get, where each operation finishes after `operationPolls` polls and only
 * then changes the instances, except that an instance being created (insert, clone) is there at once in
 * `PENDING_CREATE`, and an instance with an operation running refuses its delete (409). It holds to the real
 * API where a drill depends on it (test/fakes/README.md):
 * lists page at `pageSize`, a missing instance answers 403, a clone copies the source's settings (labels,
 * network, deletion protection), a protected instance refuses its delete, a private address needs `ipConfiguration.privateNetwork`, a point-in-time clone needs PITR
 * (binary logs for MySQL) and a time within the log retention, and patched labels merge.
 */
export class FakeSqlAdminDr {
  readonly server = new RecordingServer((r) => this.route(r));
  readonly instances = new Map<string, FakeDrInstance>();
  readonly backupRuns = new Map<string, Record<string, unknown>[]>();
  private readonly ops = new Map<string, FakeOp>();
  private nextOp = 1;
  operationPolls = 2;
  /** Items per list page (instances, backup runs), small so that callers must follow `nextPageToken`. */
  pageSize = 2;
  /** The addresses a new instance (clone, insert) gets; by default what its settings give it. */
  addressesFor: (name: string, settings: FakeDrSettings) => { type: string; ipAddress: string }[] = (_, settings) =>
    addressesOf(settings);
  /** When set, the next operation of this type finishes with this error. */
  failNextOperation: { type: string; message: string } | undefined;

  get url(): string {
    return this.server.url;
  }

  start(): Promise<string> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  addInstance(project: string, instance: FakeDrInstance): void {
    this.instances.set(`${project}/${instance.name}`, {
      state: 'RUNNABLE',
      ...instance,
      ipAddresses: instance.ipAddresses ?? addressesOf(instance.settings),
    });
  }

  private op(project: string, type: string, target: string, done?: () => void, failed?: () => void): FakeReply {
    const name = `op-${this.nextOp++}`;
    const failing = this.failNextOperation?.type === type ? this.failNextOperation : undefined;
    if (failing) this.failNextOperation = undefined;
    this.ops.set(name, {
      name,
      project,
      type,
      target,
      polls: 0,
      finished: false,
      ...(done ? { done } : {}),
      ...(failed ? { failed } : {}),
      ...(failing ? { error: failing.message } : {}),
    });
    const body = { kind: 'sql#operation', name, status: 'PENDING', operationType: type, targetProject: project };
    return { status: 200, body: { ...body, targetId: target } };
  }

  private page(r: RecordedRequest, all: unknown[], kind: string): FakeReply {
    const size = Math.min(Number(r.query.get('maxResults') ?? this.pageSize), this.pageSize);
    const start = Number(r.query.get('pageToken') ?? 0);
    const items = all.slice(start, start + size);
    const next = start + size < all.length ? { nextPageToken: String(start + size) } : {};
    return { status: 200, body: { kind, ...(items.length ? { items } : {}), ...next } };
  }

  /** Why `instances.clone` would refuse this point in time, or undefined when it is recoverable. */
  private pitrRefusal(source: FakeDrInstance, pointInTime: unknown): string | undefined {
    if (pointInTime === undefined) return undefined;
    const at = Date.parse(String(pointInTime));
    const backup = source.settings.backupConfiguration ?? {};
    const mysql = source.databaseVersion.startsWith('MYSQL');
    if (mysql ? !backup.binaryLogEnabled : !backup.pointInTimeRecoveryEnabled) {
      return `Point-in-time recovery is not enabled on instance ${source.name}.`;
    }
    const retention = (backup.transactionLogRetentionDays ?? 7) * DAY;
    if (!Number.isFinite(at) || at > Date.now() || at < Date.now() - retention) {
      return `pointInTime ${String(pointInTime)} is outside the recovery window of ${source.name}.`;
    }
    return undefined;
  }

  /** Starts an operation of the API's own on an instance (a backup, maintenance) that runs until `finishAll`. */
  busy(project: string, instance: string): void {
    this.op(project, 'BACKUP_VOLUME', instance);
  }

  /** Whether an operation on `instance` is still running: the API takes one at a time. */
  private running(project: string, instance: string): boolean {
    return [...this.ops.values()].some((o) => !o.finished && o.project === project && o.target === instance);
  }

  /** Finishes every operation still running, as the real API does on its own however long nobody polls. */
  finishAll(): void {
    for (const op of this.ops.values()) {
      op.polls = Math.max(op.polls, this.operationPolls);
      this.finish(op);
    }
  }

  private finish(op: FakeOp): void {
    if (op.finished) return;
    op.finished = true;
    if (op.error) op.failed?.();
    else op.done?.();
  }

  /**
   * Starts creating `name` (a clone or an insert): the instance is there at once, `PENDING_CREATE`, and becomes
   * `RUNNABLE` when the operation is done, or stays `FAILED` when it fails.
   */
  private create(project: string, type: string, instance: FakeDrInstance): FakeReply {
    const key = `${project}/${instance.name}`;
    const created: FakeDrInstance = { ...instance, state: 'PENDING_CREATE' };
    this.instances.set(key, created);
    return this.op(
      project,
      type,
      instance.name,
      () => Object.assign(created, { state: 'RUNNABLE' }),
      () => Object.assign(created, { state: 'FAILED' }),
    );
  }

  private pollOperation(id: string): FakeReply {
    const op = this.ops.get(id);
    if (!op) return googleError(404, 'NOT_FOUND', 'no such operation');
    op.polls++;
    const finished = op.polls >= this.operationPolls;
    if (finished) this.finish(op);
    const error = { kind: 'sql#operationErrors', errors: [{ code: 'ERROR', message: op.error }] };
    return {
      status: 200,
      body: {
        kind: 'sql#operation',
        name: op.name,
        operationType: op.type,
        status: finished ? 'DONE' : 'RUNNING',
        ...(finished && op.error ? { error } : {}),
      },
    };
  }

  private route(r: RecordedRequest): FakeReply {
    const m = /^\/v1\/projects\/([^/]+)\/(instances|operations)(?:\/([^/]+))?(?:\/([A-Za-z]+))?$/.exec(r.path);
    if (!m) return googleError(404, 'NOT_FOUND', `no route ${r.method} ${r.path}`);
    const [, project = '', collection, id, verb] = m;
    const key = `${project}/${id}`;
    const body = (r.body ?? {}) as Record<string, Record<string, unknown>>;
    if (collection === 'operations' && r.method === 'GET' && id) return this.pollOperation(id);
    if (r.method === 'GET' && !id) {
      const items = [...this.instances.entries()].filter(([k]) => k.startsWith(`${project}/`)).map(([, v]) => v);
      return this.page(r, items, 'sql#instancesList');
    }
    if (r.method === 'POST' && !id) {
      const wanted = body as unknown as FakeDrInstance;
      if (this.instances.has(`${project}/${wanted.name}`))
        return sqlError(409, 'ALREADY_EXISTS', 'instanceAlreadyExists', 'The Cloud SQL instance already exists.');
      const settings = wanted.settings ?? { tier: 'db-f1-micro' };
      return this.create(project, 'CREATE', {
        ...wanted,
        settings,
        ipAddresses: this.addressesFor(wanted.name, settings),
      });
    }
    const instance = this.instances.get(key);
    // Cloud SQL answers 403 notAuthorized, not 404, for an instance that does not exist.
    if (!instance) return googleError(403, 'PERMISSION_DENIED', 'The client is not authorized to make this request.');
    if (r.method === 'GET' && verb === 'backupRuns') {
      const runs = [...(this.backupRuns.get(key) ?? [])].sort((a, b) =>
        String(b.enqueuedTime).localeCompare(String(a.enqueuedTime)),
      );
      return this.page(r, runs, 'sql#backupRunsList');
    }
    if (r.method === 'GET' && !verb) return { status: 200, body: instance };
    if (r.method === 'DELETE' && !verb) {
      // One operation at a time on an instance: a delete while its create, clone or restore runs is refused.
      if (this.running(project, id ?? '')) return operationInProgress();
      // "deletion is prevented at the instance level" while the option is on (the deletion-protection page).
      if (instance.settings.deletionProtectionEnabled === true) {
        return googleError(
          400,
          'FAILED_PRECONDITION',
          'The instance is protected from deletion; disable deletion protection first.',
        );
      }
      return this.op(project, 'DELETE', id ?? '', () => this.instances.delete(key));
    }
    if (r.method === 'PATCH' && !verb) {
      const settings = patchSettings(instance.settings, body.settings ?? {});
      return this.op(project, 'UPDATE', id ?? '', () => Object.assign(instance, { settings }));
    }
    if (r.method === 'POST' && verb === 'clone') {
      const target = String(body.cloneContext?.destinationInstanceName ?? '');
      if (this.instances.has(`${project}/${target}`))
        return sqlError(409, 'ALREADY_EXISTS', 'instanceAlreadyExists', 'The Cloud SQL instance already exists.');
      if (this.running(project, id ?? '')) return operationInProgress();
      const refusal = this.pitrRefusal(instance, body.cloneContext?.pointInTime);
      if (refusal) return googleError(400, 'INVALID_ARGUMENT', refusal);
      const settings = structuredClone(instance.settings);
      return this.create(project, 'CLONE', {
        ...structuredClone(instance),
        name: target,
        settings,
        ipAddresses: this.addressesFor(target, settings),
      });
    }
    if (r.method === 'POST' && verb === 'restoreBackup') return this.op(project, 'RESTORE_VOLUME', id ?? '');
    return googleError(404, 'NOT_FOUND', `no route ${r.method} ${r.path}`);
  }
}

/** What the API answers a call on an instance while another operation runs on it. */
function operationInProgress(): FakeReply {
  return sqlError(
    409,
    'ABORTED',
    'operationInProgress',
    'Operation failed because another operation was already in progress. Try your request after the current operation is complete.',
  );
}
