import { type FakeReply, googleError, type RecordedRequest, RecordingServer } from './recording-server.js';

/** One instance of the DR fake. */
export interface FakeDrInstance {
  name: string;
  databaseVersion: string;
  region: string;
  settings: { tier: string; userLabels?: Record<string, string> };
  ipAddresses?: { type: string; ipAddress: string }[];
}

interface FakeOp {
  name: string;
  project: string;
  type: string;
  target: string;
  polls: number;
  done?: () => void;
  error?: string;
}

/**
 * A SQL Admin v1 fake for DR drills (WIRE.md §4): instances get/list/insert/patch/delete/clone/
 * restoreBackup, backupRuns.list and operations.get, where each operation finishes after
 * `operationPolls` polls and only then changes the instances.
 */
export class FakeSqlAdminDr {
  readonly server = new RecordingServer((r) => this.route(r));
  readonly instances = new Map<string, FakeDrInstance>();
  readonly backupRuns = new Map<string, Record<string, unknown>[]>();
  private readonly ops = new Map<string, FakeOp>();
  private nextOp = 1;
  operationPolls = 2;
  /** The addresses a new instance (clone, insert) gets: a private one on loopback by default. */
  addressesFor: (name: string) => { type: string; ipAddress: string }[] = () => [
    { type: 'PRIVATE', ipAddress: '127.0.0.1' },
  ];
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
    this.instances.set(`${project}/${instance.name}`, instance);
  }

  private op(project: string, type: string, target: string, done?: () => void): FakeReply {
    const name = `op-${this.nextOp++}`;
    const failing = this.failNextOperation?.type === type ? this.failNextOperation : undefined;
    if (failing) this.failNextOperation = undefined;
    this.ops.set(name, {
      name,
      project,
      type,
      target,
      polls: 0,
      ...(done ? { done } : {}),
      ...(failing ? { error: failing.message } : {}),
    });
    return {
      status: 200,
      body: {
        kind: 'sql#operation',
        name,
        status: 'PENDING',
        operationType: type,
        targetId: target,
        targetProject: project,
      },
    };
  }

  private route(r: RecordedRequest): FakeReply {
    const m = /^\/v1\/projects\/([^/]+)\/(instances|operations)(?:\/([^/]+))?(?:\/([A-Za-z]+))?$/.exec(r.path);
    if (!m) return googleError(404, 'NOT_FOUND', `no route ${r.method} ${r.path}`);
    const [, project = '', collection, id, verb] = m;
    const key = `${project}/${id}`;
    const body = (r.body ?? {}) as Record<string, Record<string, unknown>>;
    if (collection === 'operations' && r.method === 'GET' && id) {
      const op = this.ops.get(id);
      if (!op) return googleError(404, 'NOT_FOUND', 'no such operation');
      op.polls++;
      const finished = op.polls >= this.operationPolls;
      if (finished && op.done && !op.error) {
        op.done();
        op.done = undefined;
      }
      return {
        status: 200,
        body: {
          kind: 'sql#operation',
          name: op.name,
          operationType: op.type,
          status: finished ? 'DONE' : 'RUNNING',
          ...(finished && op.error
            ? { error: { kind: 'sql#operationErrors', errors: [{ code: 'ERROR', message: op.error }] } }
            : {}),
        },
      };
    }
    if (r.method === 'GET' && !id) {
      const items = [...this.instances.entries()].filter(([k]) => k.startsWith(`${project}/`)).map(([, v]) => v);
      return { status: 200, body: { items } };
    }
    if (r.method === 'POST' && !id) {
      const wanted = body as unknown as FakeDrInstance;
      if (this.instances.has(`${project}/${wanted.name}`)) return googleError(409, 'ALREADY_EXISTS', 'instance exists');
      return this.op(project, 'CREATE', wanted.name, () =>
        this.instances.set(`${project}/${wanted.name}`, { ...wanted, ipAddresses: this.addressesFor(wanted.name) }),
      );
    }
    const instance = this.instances.get(key);
    if (r.method === 'GET' && verb === 'backupRuns')
      return { status: 200, body: { items: this.backupRuns.get(key) ?? [] } };
    if (!instance) return googleError(404, 'NOT_FOUND', 'The Cloud SQL instance does not exist.');
    if (r.method === 'GET' && !verb) return { status: 200, body: instance };
    if (r.method === 'DELETE' && !verb) return this.op(project, 'DELETE', id ?? '', () => this.instances.delete(key));
    if (r.method === 'PATCH' && !verb) {
      Object.assign(instance.settings, body.settings ?? {});
      return this.op(project, 'UPDATE', id ?? '');
    }
    if (r.method === 'POST' && verb === 'clone') {
      const target = String(body.cloneContext?.destinationInstanceName ?? '');
      if (this.instances.has(`${project}/${target}`)) return googleError(409, 'ALREADY_EXISTS', 'instance exists');
      return this.op(project, 'CLONE', target, () =>
        this.instances.set(`${project}/${target}`, {
          ...instance,
          name: target,
          settings: { tier: instance.settings.tier },
          ipAddresses: this.addressesFor(target),
        }),
      );
    }
    if (r.method === 'POST' && verb === 'restoreBackup') return this.op(project, 'RESTORE_VOLUME', id ?? '');
    return googleError(404, 'NOT_FOUND', `no route ${r.method} ${r.path}`);
  }
}
