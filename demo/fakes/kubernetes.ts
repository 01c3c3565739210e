import { isDeepStrictEqual } from 'node:util';
import { authorize, type FakeRbac } from './kubernetes-rbac.js';
import { type FakeReply, type RecordedRequest, RecordingServer } from './recording-server.js';

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are free-form JSON in this fake
type Json = Record<string, any>;

const REV = 'deployment.kubernetes.io/revision';

/** The PATCH media types the API server accepts (json, merge, strategic merge, apply). */
const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

/**
 * 409 Conflict when a write names a `metadata.resourceVersion` the object no longer has: the API server's
 * optimistic concurrency (API conventions, "Concurrency Control and Consistency"), for the scale subresource too,
 * whose Scale carries its Deployment's version (`kubectl scale --resource-version`: "it is guaranteed that the
 * precondition holds true when the scale is sent to the server").
 */
function conflict(r: RecordedRequest, object: Json, resource: string): FakeReply | undefined {
  const wanted = (r.body as Json)?.metadata?.resourceVersion;
  if (wanted === undefined || wanted === object.metadata.resourceVersion) return undefined;
  return status(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${resource} "${object.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
  );
}

/**
 * Every write moves `metadata.resourceVersion`, status writes of the controllers included (API conventions,
 * "Concurrency Control and Consistency"); only a change of the spec moves `metadata.generation`.
 */
function bumpVersion(object: Json): void {
  object.metadata.resourceVersion = String(Number(object.metadata.resourceVersion ?? '1') + 1);
}

function status(code: number, reason: string, message: string): FakeReply {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code } };
}

/** The objects of `namespace` whose labels match the request's `labelSelector` (equality terms only). */
function selected(objects: Json[], namespace: string, query: URLSearchParams): Json[] {
  const wanted = (query.get('labelSelector') ?? '')
    .split(',')
    .filter(Boolean)
    .map((p) => p.split('='));
  return objects.filter(
    (o) => o.metadata.namespace === namespace && wanted.every(([k, v]) => o.metadata.labels?.[k as string] === v),
  );
}

function stripHash(template: Json): Json {
  const copy = structuredClone(template);
  if (copy.metadata?.labels) delete copy.metadata.labels['pod-template-hash'];
  return copy;
}

// Deployment conditions as the deployment controller writes them (pkg/controller/deployment/util/deployment_util.go).
const progressing = (status: string, reason: string, message: string): Json => ({
  type: 'Progressing',
  status,
  reason,
  message,
});
const AVAILABLE = { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' };

/**
 * A Kubernetes API fake for Deployments, ReplicaSets, the scale subresource and HPAs, driven by
 * `@kubernetes/client-node`. A JSON-patched pod template is rolled out like the deployment controller
 * does: the matching ReplicaSet gets the next revision and all replicas after `rolloutPolls` reads.
 * Like the real controller, it observes a new generation only after the write (the first read still
 * shows the previous rollout's `status`, conditions included); see test/fakes/README.md.
 */
export class FakeKubernetes {
  /** RBAC for every fake built while it is set (a suite run under a Role); off by default. */
  static rbacByDefault: FakeRbac | undefined;
  readonly server = new RecordingServer((r) => (this.rbac && authorize(this.rbac, r)) || this.route(r));
  readonly deployments = new Map<string, Json>();
  readonly replicaSets: Json[] = [];
  readonly hpas: Json[] = [];
  /** Pods, listed by label selector; tests set their phase, readiness and restarts. */
  readonly pods: Json[] = [];
  /** Deployment reads before a rollout reports done. */
  rolloutPolls = 1;
  private pending = new Map<string, number>();
  private readonly stalled = new Set<string>();
  private uid = 1;

  /** With `rbac`, a request no rule allows gets 403 Forbidden, as from an API server enforcing that Role. */
  constructor(private readonly rbac: FakeRbac | undefined = FakeKubernetes.rbacByDefault) {}

  /** Adds a Deployment with one ReplicaSet per image (oldest first, revisions 1..n); the last one is current. */
  addDeployment(namespace: string, name: string, images: string[], created: Date[], replicas = 2): void {
    const uid = `uid-${this.uid++}`;
    const labels = { app: name };
    const template = (image: string) => ({
      metadata: { labels: { ...labels } },
      spec: { containers: [{ name, image }] },
    });
    const last = images.length - 1;
    images.forEach((image, i) => {
      const hash = `h${i}${name.length}`;
      this.replicaSets.push({
        metadata: {
          name: `${name}-${hash}`,
          namespace,
          uid: `${uid}-rs${i}`,
          labels: { ...labels, 'pod-template-hash': hash },
          annotations: { [REV]: String(i + 1) },
          creationTimestamp: (created[i] ?? new Date(0)).toISOString(),
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid, controller: true }],
        },
        spec: {
          replicas: i === last ? replicas : 0,
          selector: { matchLabels: labels },
          template: { ...template(image), metadata: { labels: { ...labels, 'pod-template-hash': hash } } },
        },
        status: { replicas: i === last ? replicas : 0, readyReplicas: i === last ? replicas : 0 },
      });
    });
    this.deployments.set(`${namespace}/${name}`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name,
        namespace,
        uid,
        generation: 1,
        resourceVersion: '1',
        annotations: { [REV]: String(images.length) },
      },
      spec: { replicas, selector: { matchLabels: labels }, template: template(images[last] ?? 'none') },
      status: {
        observedGeneration: 1,
        replicas,
        updatedReplicas: replicas,
        availableReplicas: replicas,
        readyReplicas: replicas,
        conditions: [
          AVAILABLE,
          progressing('True', 'NewReplicaSetAvailable', `ReplicaSet "${name}" has successfully progressed.`),
        ],
      },
    });
  }

  /** Adds a pod of Deployment `name` (labelled like its template) in the given state. */
  addPod(
    namespace: string,
    name: string,
    pod: { name: string; phase?: string; ready?: boolean; restarts?: number; waiting?: string },
  ): void {
    const containerState = pod.waiting ? { waiting: { reason: pod.waiting } } : { running: {} };
    this.pods.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod.name, namespace, labels: { app: name } },
      status: {
        phase: pod.phase ?? 'Running',
        conditions: [{ type: 'Ready', status: pod.ready === false ? 'False' : 'True' }],
        containerStatuses: [
          { name, ready: pod.ready !== false, restartCount: pod.restarts ?? 0, state: containerState },
        ],
      },
    });
  }

  /** Marks the Deployment's current rollout as stuck past its progressDeadlineSeconds, as the controller does. */
  failRollout(namespace: string, name: string): void {
    const d = this.deployments.get(`${namespace}/${name}`);
    if (!d) return;
    d.status.conditions = [
      AVAILABLE,
      progressing('False', 'ProgressDeadlineExceeded', `ReplicaSet "${name}" has timed out progressing.`),
    ];
    bumpVersion(d);
  }

  /**
   * A status write of the deployment controller (a pod's readiness flapping, say): `status` is written
   * through the status subresource, which moves `metadata.resourceVersion` but not `metadata.generation`.
   */
  writeStatus(namespace: string, name: string): void {
    const d = this.deployments.get(`${namespace}/${name}`);
    if (d) bumpVersion(d);
  }

  /** The HPA controller's status write of each sync (current metrics, replicas), which moves resourceVersion. */
  writeHpaStatus(namespace: string, name: string): void {
    const h = this.hpas.find((x) => x.metadata.namespace === namespace && x.metadata.name === name);
    if (h) bumpVersion(h);
  }

  /**
   * Makes the Deployment's next rollout stall: the controller observes the new template, its pods never become
   * available, and past progressDeadlineSeconds the Deployment reports ProgressDeadlineExceeded, as
   * `kubectl rollout status` then says ("deployment exceeded its progress deadline").
   */
  stallNextRollout(namespace: string, name: string): void {
    this.stalled.add(`${namespace}/${name}`);
  }

  /** The image the Deployment's pod template runs now. */
  image(namespace: string, name: string): string | undefined {
    return this.deployments.get(`${namespace}/${name}`)?.spec.template.spec.containers[0]?.image;
  }

  private owned(d: Json): Json[] {
    return this.replicaSets.filter((rs) => rs.metadata.ownerReferences?.some((o: Json) => o.uid === d.metadata.uid));
  }

  private rollout(key: string, d: Json): void {
    const owned = this.owned(d);
    const next = Math.max(0, ...owned.map((rs) => Number(rs.metadata.annotations[REV]))) + 1;
    let rs = owned.find((r) => isDeepStrictEqual(stripHash(r.spec.template), stripHash(d.spec.template)));
    if (!rs) {
      const hash = `n${next}`;
      rs = structuredClone(owned[0] ?? {});
      rs.metadata = { ...rs.metadata, name: `${d.metadata.name}-${hash}`, creationTimestamp: new Date().toISOString() };
      rs.spec.template = { ...structuredClone(d.spec.template) };
      rs.spec.template.metadata.labels['pod-template-hash'] = hash;
      this.replicaSets.push(rs);
    }
    const old = rs.metadata.annotations[REV];
    rs.metadata.annotations = {
      ...rs.metadata.annotations,
      [REV]: String(next),
      'deployment.kubernetes.io/revision-history': old,
    };
    for (const r of owned) Object.assign(r.spec, { replicas: r === rs ? d.spec.replicas : 0 });
    d.metadata.annotations[REV] = String(next);
    d.metadata.generation += 1;
    d.metadata.resourceVersion = String(Number(d.metadata.resourceVersion) + 1);
    // `status` stays as it was (observedGeneration, counts, conditions) until the controller observes the write.
    this.pending.set(key, this.rolloutPolls);
  }

  private settle(key: string, d: Json): void {
    const left = this.pending.get(key);
    if (left === undefined) return;
    const observed = d.status.observedGeneration === d.metadata.generation;
    if (left > 0) {
      this.pending.set(key, left - 1);
      // The first read after the write still sees the old status; the controller observes it by the next one.
      if (!observed && left < this.rolloutPolls) this.observe(d);
      return;
    }
    this.pending.delete(key);
    if (this.stalled.delete(key)) {
      this.observe(d);
      this.failRollout(d.metadata.namespace, d.metadata.name);
      return;
    }
    for (const rs of this.owned(d)) rs.status = { replicas: rs.spec.replicas, readyReplicas: rs.spec.replicas };
    bumpVersion(d);
    const n = d.spec.replicas;
    d.status = {
      observedGeneration: d.metadata.generation,
      replicas: n,
      updatedReplicas: n,
      availableReplicas: n,
      readyReplicas: n,
      conditions: [
        AVAILABLE,
        progressing('True', 'NewReplicaSetAvailable', `ReplicaSet "${d.metadata.name}" has successfully progressed.`),
      ],
    };
  }

  private observe(d: Json): void {
    bumpVersion(d);
    d.status = {
      ...d.status,
      observedGeneration: d.metadata.generation,
      updatedReplicas: 0,
      conditions: [
        AVAILABLE,
        progressing('True', 'ReplicaSetUpdated', `ReplicaSet "${d.metadata.name}" is progressing.`),
      ],
    };
  }

  private patchDeployment(key: string, d: Json, r: RecordedRequest): FakeReply {
    const type = String(r.headers['content-type'] ?? '');
    if (!type.startsWith('application/json-patch+json') || !Array.isArray(r.body)) {
      return status(415, 'UnsupportedMediaType', `this fake takes JSON Patch, got ${type}`);
    }
    const ops = r.body as Json[];
    for (const op of ops.filter((o) => o.op === 'test')) {
      // RFC 6902 `test`: the value at the pointer must equal the operation's (JSON equality); else the whole
      // patch is refused, 422 as the API server answers a patch it cannot apply.
      const at = String(op.path)
        .split('/')
        .slice(1)
        .reduce<Json>((node, part) => node?.[part.replaceAll('~1', '/').replaceAll('~0', '~')], d);
      if (!isDeepStrictEqual(at, op.value)) return status(422, 'Invalid', `testing value ${op.path} failed`);
    }
    for (const op of ops.filter((o) => o.op !== 'test')) {
      if (op.op !== 'replace') return status(422, 'Invalid', `op ${op.op} not supported`);
      if (op.path === '/spec/template') d.spec.template = structuredClone(op.value);
      else if (op.path === '/metadata/annotations') d.metadata.annotations = structuredClone(op.value);
      else return status(422, 'Invalid', `path ${op.path} not supported`);
    }
    this.rollout(key, d);
    return { status: 200, body: d };
  }

  private route(r: RecordedRequest): FakeReply {
    const oneHpa = /^\/apis\/autoscaling\/v2\/namespaces\/([^/]+)\/horizontalpodautoscalers\/([^/]+)$/.exec(r.path);
    if (oneHpa) {
      const h = this.hpas.find((x) => x.metadata.namespace === oneHpa[1] && x.metadata.name === oneHpa[2]);
      if (!h) return status(404, 'NotFound', `horizontalpodautoscalers "${oneHpa[2]}" not found`);
      h.metadata.resourceVersion ??= '1';
      if (r.method === 'PATCH') {
        const type = String(r.headers['content-type'] ?? '');
        if (!type.startsWith('application/merge-patch+json')) {
          return status(415, 'UnsupportedMediaType', `this fake takes a merge patch for HPAs, got ${type}`);
        }
        const stale = conflict(r, h, 'horizontalpodautoscalers.autoscaling');
        if (stale) return stale;
        const min = (r.body as Json)?.spec?.minReplicas;
        if (!Number.isInteger(min) || min < 1 || min > h.spec.maxReplicas) {
          return status(422, 'Invalid', 'spec.minReplicas must be between 1 and spec.maxReplicas');
        }
        h.spec.minReplicas = min;
        h.metadata.resourceVersion = String(Number(h.metadata.resourceVersion) + 1);
      }
      return { status: 200, body: h };
    }
    const hpa = /^\/apis\/autoscaling\/v2\/namespaces\/([^/]+)\/horizontalpodautoscalers$/.exec(r.path);
    if (hpa && r.method === 'GET') {
      return {
        status: 200,
        body: {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscalerList',
          metadata: {},
          items: this.hpas.filter((h) => h.metadata.namespace === hpa[1]),
        },
      };
    }
    const podList = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(r.path);
    if (podList && r.method === 'GET') {
      const items = selected(this.pods, podList[1] as string, r.query);
      return { status: 200, body: { apiVersion: 'v1', kind: 'PodList', metadata: {}, items } };
    }
    const rsList = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/replicasets$/.exec(r.path);
    if (rsList && r.method === 'GET') {
      const items = selected(this.replicaSets, rsList[1] as string, r.query);
      return { status: 200, body: { apiVersion: 'apps/v1', kind: 'ReplicaSetList', metadata: {}, items } };
    }
    const m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)(\/scale)?$/.exec(r.path);
    const key = m ? `${m[1]}/${m[2]}` : '';
    const d = this.deployments.get(key);
    if (!m || !d) return status(404, 'NotFound', `${r.path} not found`);
    if (m[3]) {
      if (r.method === 'PATCH' || r.method === 'PUT') {
        const type = String(r.headers['content-type'] ?? '');
        if (r.method === 'PATCH' && !PATCH_TYPES.some((t) => type.startsWith(t))) {
          return status(
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`,
          );
        }
        const stale = conflict(r, d, 'deployments.apps');
        if (stale) return stale;
        const replicas = (r.body as Json)?.spec?.replicas;
        if (!Number.isInteger(replicas) || replicas < 0) return status(422, 'Invalid', 'spec.replicas must be >= 0');
        d.spec.replicas = replicas;
        d.metadata.generation += 1;
        d.metadata.resourceVersion = String(Number(d.metadata.resourceVersion) + 1);
      }
      const selector = Object.entries(d.spec.selector.matchLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      return {
        status: 200,
        body: {
          apiVersion: 'autoscaling/v1',
          kind: 'Scale',
          // The Scale carries its Deployment's resourceVersion, and a write giving one is held to it.
          metadata: { name: m[2], namespace: m[1], resourceVersion: d.metadata.resourceVersion },
          spec: { replicas: d.spec.replicas },
          status: { replicas: d.status.replicas, selector },
        },
      };
    }
    if (r.method === 'GET') {
      this.settle(key, d);
      return { status: 200, body: d };
    }
    if (r.method === 'PATCH') return this.patchDeployment(key, d, r);
    return status(405, 'MethodNotAllowed', `${r.method} not supported`);
  }
}
