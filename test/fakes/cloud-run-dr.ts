import { type FakeReply, googleError, type RecordedRequest, RecordingServer } from './recording-server.js';

/** A service of the DR fake. */
export interface FakeDrService {
  name: string;
  uri?: string;
  labels?: Record<string, string>;
  latestReadyRevision?: string;
  traffic?: { type?: string; revision?: string; percent?: number }[];
  template?: { containers?: { image?: string }[] };
  /** True while a create rolls out: the service is there, its `uri` not yet. */
  reconciling?: boolean;
  terminalCondition?: { type: string; state: string; message?: string };
}

interface FakeOp {
  name: string;
  polls: number;
  done?: () => void;
  response?: unknown;
}

/**
 * A Cloud Run Admin v2 fake for DR drills: services get/list/create/delete, revisions.get and
 * operations.get; operations finish after `operationPolls` polls (or `finishAll`), services.list pages at
 * `pageSize` (test/fakes/README.md). A created service is there at once, `reconciling` and without a `uri`, and
 * ready at `uriFor(name)` when its operation is done; a create of a name that exists is 409 ALREADY_EXISTS.
 */
export class FakeCloudRunDr {
  readonly server = new RecordingServer((r) => this.route(r));
  readonly services = new Map<string, FakeDrService>();
  readonly revisions = new Map<string, { name: string; containers: { image: string }[] }>();
  private readonly ops = new Map<string, FakeOp>();
  private nextOp = 1;
  operationPolls = 2;
  /** Services per list page, small so that callers must follow `nextPageToken`. */
  pageSize = 2;
  uriFor: (name: string) => string = (name) => `https://${name}.a.run.app`;

  start(): Promise<string> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Adds a service under `projects/P/locations/L/services/S`. */
  addService(path: string, service: Omit<FakeDrService, 'name'>): void {
    this.services.set(path, { name: path, ...service });
  }

  /** Finishes every operation still running, as the real API does on its own however long nobody polls. */
  finishAll(): void {
    for (const op of this.ops.values()) {
      op.polls = Math.max(op.polls, this.operationPolls);
      op.done?.();
      op.done = undefined;
    }
  }

  private op(location: string, done: () => void): FakeReply {
    const name = `${location}/operations/op-${this.nextOp++}`;
    this.ops.set(name, { name, polls: 0, done });
    return { status: 200, body: { name, done: false } };
  }

  private route(r: RecordedRequest): FakeReply {
    const path = r.path.replace(/^\/v2\//, '');
    const op = this.ops.get(path);
    if (r.method === 'GET' && op) {
      op.polls++;
      const finished = op.polls >= this.operationPolls;
      if (finished && op.done) {
        op.done();
        op.done = undefined;
      }
      return { status: 200, body: { name: op.name, done: finished } };
    }
    const m = /^(projects\/[^/]+\/locations\/[^/]+)\/services(?:\/([^/]+))?(?:\/revisions\/([^/]+))?$/.exec(path);
    if (!m) return googleError(404, 'NOT_FOUND', `no route ${r.method} ${r.path}`);
    const [, location = '', serviceId, revision] = m;
    if (revision) {
      const rev = this.revisions.get(revision);
      return rev ? { status: 200, body: rev } : googleError(404, 'NOT_FOUND', 'no such revision');
    }
    if (!serviceId && r.method === 'GET') {
      const all = [...this.services.values()].filter((s) => s.name.startsWith(`${location}/`));
      const size = Math.min(Number(r.query.get('pageSize') ?? this.pageSize), this.pageSize);
      const start = Number(r.query.get('pageToken') ?? 0);
      const next = start + size < all.length ? { nextPageToken: String(start + size) } : {};
      return { status: 200, body: { services: all.slice(start, start + size), ...next } };
    }
    if (!serviceId && r.method === 'POST') {
      const id = r.query.get('serviceId') ?? '';
      const full = `${location}/services/${id}`;
      if (this.services.has(full)) return googleError(409, 'ALREADY_EXISTS', `Resource '${id}' already exists.`);
      const body = r.body as FakeDrService;
      const created: FakeDrService = {
        ...body,
        name: full,
        reconciling: true,
        terminalCondition: { type: 'Ready', state: 'CONDITION_RECONCILING' },
      };
      this.services.set(full, created);
      return this.op(location, () =>
        Object.assign(created, {
          reconciling: false,
          uri: this.uriFor(id),
          terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED' },
        }),
      );
    }
    const full = `${location}/services/${serviceId}`;
    const service = this.services.get(full);
    if (!service) return googleError(404, 'NOT_FOUND', `Service ${serviceId} not found`);
    if (r.method === 'GET') return { status: 200, body: service };
    if (r.method === 'DELETE') return this.op(location, () => this.services.delete(full));
    return googleError(404, 'NOT_FOUND', `no route ${r.method} ${r.path}`);
  }
}
