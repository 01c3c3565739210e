import { type FakeReply, googleError, type RecordedRequest, RecordingServer } from './recording-server.js';

/** A revision as the test describes it. */
export interface FakeRevisionSpec {
  name: string;
  createTime: string;
  ready?: boolean;
  image?: string;
  /** The revision's own `scaling` (its template's, when it was created). */
  scaling?: { minInstanceCount?: number; maxInstanceCount?: number };
}

interface FakeTraffic {
  type: string;
  revision?: string;
  percent: number;
}

interface FakeService {
  name: string;
  generation: number;
  etag: string;
  traffic: FakeTraffic[];
  scaling: { minInstanceCount?: number; maxInstanceCount?: number };
  template: { revision?: string; scaling: { minInstanceCount?: number; maxInstanceCount?: number } };
  revisions: FakeRevisionSpec[];
}

const SCALING = /^(template\.)?scaling\.(min|max)InstanceCount$/;

const TYPES: Record<string | number, string> = {
  0: 'TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED',
  1: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST',
  2: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
};

/**
 * A Cloud Run Admin API v2 fake: services.get/patch, revisions.list/get and operations.get, driven by the
 * real `@googleapis/run` client. PATCH honours `updateMask`, validates the traffic split and returns an
 * operation that finishes after `operationPolls` polls. As the real API (test/fakes/README.md): a template
 * change creates a revision, which gets no traffic while traffic is pinned, and is refused (409) while
 * `template.revision` names an existing revision; `etag` is output-only and never checked; revisions.list
 * pages at `pageSize`.
 */
export class FakeCloudRun {
  readonly server = new RecordingServer((r) => this.route(r));
  private readonly services = new Map<string, FakeService>();
  private readonly operations = new Map<string, { polls: number; service: string; error?: string }>();
  private nextOp = 1;
  /** How many operations.get calls an operation takes to finish (0 = done in the PATCH reply). */
  operationPolls = 1;
  /** When set, the next finished operation carries this error. */
  failOperationWith: string | undefined;
  /** Revisions per list page, small so that callers must follow `nextPageToken`. */
  pageSize = 2;
  /** Per service: a terminal condition that overrides the Ready one (a service that fails to serve). */
  readonly conditions = new Map<string, { state: string; message?: string }>();

  /** Adds a service whose traffic goes 100 % to `serving` (pinned) or to the latest revision. */
  addService(path: string, revisions: FakeRevisionSpec[], serving?: string): void {
    const latest = [...revisions].sort((a, b) => Date.parse(b.createTime) - Date.parse(a.createTime))[0];
    this.services.set(path, {
      name: path,
      generation: 1,
      etag: '"e1"',
      traffic: serving
        ? [{ type: TYPES[2] as string, revision: serving, percent: 100 }]
        : [{ type: TYPES[1] as string, percent: 100 }],
      scaling: { minInstanceCount: 0, maxInstanceCount: 20 },
      template: {
        ...(latest ? { revision: latest.name } : {}),
        scaling: { minInstanceCount: 1, maxInstanceCount: 10 },
      },
      revisions,
    });
  }

  /**
   * Adds a revision, as a deploy would: a new template, so a new generation and etag (service.proto: generation
   * "monotonically increases every time the user modifies the desired state"); traffic pinned elsewhere stays.
   */
  addRevision(path: string, revision: FakeRevisionSpec): void {
    const s = this.services.get(path);
    if (!s) return;
    s.revisions.push(revision);
    s.generation += 1;
    s.etag = `"e${s.generation}"`;
  }

  /** Marks a revision Ready or not, as Cloud Run does when a deploy's revision starts serving: no new generation. */
  setReady(path: string, name: string, ready: boolean): void {
    const revision = this.services.get(path)?.revisions.find((r) => r.name === name);
    if (revision) revision.ready = ready;
  }

  /** The current traffic of a service. */
  traffic(path: string): FakeTraffic[] {
    return this.services.get(path)?.traffic ?? [];
  }

  /** Sets the traffic of a service directly, as another actor would. */
  setTraffic(path: string, traffic: FakeTraffic[]): void {
    const s = this.services.get(path);
    if (s) Object.assign(s, { traffic, etag: `"e${++s.generation}"` });
  }

  /** Scaling as stored. */
  scaling(path: string): Pick<FakeService, 'scaling' | 'template'> | undefined {
    return this.services.get(path);
  }

  private view(s: FakeService): Record<string, unknown> {
    const latest = s.revisions
      .filter((r) => r.ready !== false)
      .sort((a, b) => Date.parse(b.createTime) - Date.parse(a.createTime))[0];
    const created = [...s.revisions].sort((a, b) => Date.parse(b.createTime) - Date.parse(a.createTime))[0];
    const full = (r: string) => `${s.name}/revisions/${r}`;
    const condition = this.conditions.get(s.name);
    return {
      name: s.name,
      generation: String(s.generation),
      observedGeneration: String(s.generation),
      etag: s.etag,
      traffic: s.traffic,
      trafficStatuses: s.traffic,
      scaling: s.scaling,
      template: s.template,
      ...(latest ? { latestReadyRevision: full(latest.name) } : {}),
      ...(created ? { latestCreatedRevision: full(created.name) } : {}),
      terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED', ...condition },
      reconciling: false,
    };
  }

  private revisionView(s: FakeService, r: FakeRevisionSpec): Record<string, unknown> {
    return {
      name: `${s.name}/revisions/${r.name}`,
      createTime: r.createTime,
      conditions: [{ type: 'Ready', state: r.ready === false ? 'CONDITION_FAILED' : 'CONDITION_SUCCEEDED' }],
      containers: [{ image: r.image ?? `us-docker.pkg.dev/p/r/app:${r.name}` }],
      ...(r.scaling ? { scaling: r.scaling } : {}),
    };
  }

  /**
   * A template change is a new revision (revision.proto: "each mutation of the template creates a
   * revision"): named `template.revision` when set, which must not exist yet, else `<service>-000NN-xyz`.
   */
  private newRevision(s: FakeService, mask: string[], body: Record<string, unknown>): FakeReply | undefined {
    const asked = (body.template as { revision?: string } | undefined)?.revision;
    // The whole template (`template`, with forceNewRevision) or its revision field replaces the name.
    const replaced = mask.includes('template.revision') || mask.includes('template');
    const named = replaced ? asked || undefined : s.template.revision;
    if (named !== undefined && s.revisions.some((x) => x.name === named)) {
      return googleError(
        409,
        'ALREADY_EXISTS',
        `Revision named '${named}' with different configuration already exists.`,
      );
    }
    const short = s.name.split('/').pop() ?? 'service';
    const next = Math.max(0, ...s.revisions.map((x) => Number(/-(\d{5})-/.exec(x.name)?.[1] ?? 0))) + 1;
    const name = named ?? `${short}-${String(next).padStart(5, '0')}-n${next}x`;
    s.template.revision = named;
    s.revisions.push({ name, createTime: new Date().toISOString(), scaling: { ...s.template.scaling } });
    return undefined;
  }

  private patch(s: FakeService, r: RecordedRequest): FakeReply {
    const body = (r.body ?? {}) as Record<string, unknown>;
    const mask = (r.query.get('updateMask') ?? '').split(',').filter(Boolean);
    if (mask.length === 0) return googleError(400, 'INVALID_ARGUMENT', 'updateMask is required by this fake');
    // A whole-template write is a redeploy of the unchanged template: only with forceNewRevision, as a restart sends.
    const redeploy = r.query.get('forceNewRevision') === 'true';
    const unsupported = mask.find(
      (f) => f !== 'traffic' && f !== 'template.revision' && !SCALING.test(f) && !(f === 'template' && redeploy),
    );
    if (unsupported)
      return googleError(400, 'INVALID_ARGUMENT', `updateMask field ${unsupported} not supported by this fake`);
    const before = structuredClone({ template: s.template, revisions: s.revisions });
    for (const field of mask) {
      if (field === 'traffic') {
        const traffic = ((body.traffic ?? []) as { type?: string | number; revision?: string; percent?: number }[]).map(
          (t) => ({
            type: TYPES[t.type ?? 0] ?? String(t.type),
            ...(t.revision ? { revision: t.revision } : {}),
            percent: t.percent ?? 0,
          }),
        );
        if (traffic.reduce((n, t) => n + t.percent, 0) !== 100) {
          return googleError(400, 'INVALID_ARGUMENT', 'traffic percentages must add up to 100');
        }
        const unknown = traffic.find((t) => t.revision && !s.revisions.some((x) => x.name === t.revision));
        if (unknown) return googleError(400, 'INVALID_ARGUMENT', `revision ${unknown.revision} not found`);
        s.traffic = traffic;
      } else if (SCALING.test(field)) {
        const [level, key] = field.startsWith('template.')
          ? ['template', field.slice(17)]
          : ['service', field.slice(8)];
        const source = (level === 'template' ? (body.template as { scaling?: unknown })?.scaling : body.scaling) as
          | Record<string, number>
          | undefined;
        const target = level === 'template' ? s.template.scaling : s.scaling;
        (target as Record<string, number | undefined>)[key] = source?.[key];
      }
    }
    if (mask.some((f) => f.startsWith('template.') || f === 'template')) {
      const refused = this.newRevision(s, mask, body);
      if (refused) {
        Object.assign(s, before);
        return refused;
      }
    }
    s.generation += 1;
    s.etag = `"e${s.generation}"`;
    const id = `op-${this.nextOp++}`;
    const opName = `${s.name.replace(/\/services\/.*/, '')}/operations/${id}`;
    this.operations.set(opName, { polls: this.operationPolls, service: s.name });
    return { status: 200, body: this.operation(opName) };
  }

  private operation(name: string): Record<string, unknown> {
    const op = this.operations.get(name);
    if (!op) return {};
    const done = op.polls <= 0;
    if (done && this.failOperationWith !== undefined && op.error === undefined) {
      op.error = this.failOperationWith;
      this.failOperationWith = undefined;
    }
    const service = this.services.get(op.service);
    const base = { name, metadata: { '@type': 'type.googleapis.com/google.cloud.run.v2.Service', name: op.service } };
    if (!done) return { ...base, done: false };
    if (op.error) return { ...base, done: true, error: { code: 9, message: op.error, details: [] } };
    return {
      ...base,
      done: true,
      response: { '@type': 'type.googleapis.com/google.cloud.run.v2.Service', ...(service ? this.view(service) : {}) },
    };
  }

  private route(r: RecordedRequest): FakeReply {
    const op = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/operations\/[^/]+)$/.exec(r.path);
    if (op && r.method === 'GET') {
      const entry = this.operations.get(op[1] as string);
      if (!entry) return googleError(404, 'NOT_FOUND', 'operation not found');
      entry.polls -= 1;
      return { status: 200, body: this.operation(op[1] as string) };
    }
    const m = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/services\/[^/]+)(\/revisions)?(?:\/([^/]+))?$/.exec(r.path);
    const s = m ? this.services.get(m[1] as string) : undefined;
    if (!m || !s) return googleError(404, 'NOT_FOUND', `${r.path} not found`);
    if (m[2] && m[3] !== undefined) {
      const revision = s.revisions.find((x) => x.name === m[3]);
      if (!revision || r.method !== 'GET') return googleError(404, 'NOT_FOUND', `${r.path} not found`);
      return { status: 200, body: this.revisionView(s, revision) };
    }
    if (m[2] && r.method === 'GET') {
      const size = Math.min(Number(r.query.get('pageSize') ?? this.pageSize), this.pageSize);
      const start = Number(r.query.get('pageToken') ?? 0);
      const next = start + size < s.revisions.length ? { nextPageToken: String(start + size) } : {};
      const revisions = s.revisions.slice(start, start + size).map((x) => this.revisionView(s, x));
      return { status: 200, body: { revisions, ...next } };
    }
    if (r.method === 'GET') return { status: 200, body: this.view(s) };
    if (r.method === 'PATCH') return this.patch(s, r);
    return googleError(405, 'UNIMPLEMENTED', `${r.method} not supported`);
  }
}
