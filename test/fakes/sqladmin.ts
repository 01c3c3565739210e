import { type FakeReply, googleError, RecordingServer } from './recording-server.js';

/** One fake Cloud SQL instance: its settings and backup runs, shaped as the SQL Admin v1 reference gives them. */
export interface FakeSqlInstance {
  databaseVersion: string;
  backupEnabled?: boolean;
  binaryLogEnabled?: boolean;
  pointInTimeRecoveryEnabled?: boolean;
  retainedBackups?: number;
  runs: Record<string, unknown>[];
}

/**
 * A SQL Admin v1 fake: `backupRuns.list` (paged, newest first) and `instances.get`, recording requests; a
 * missing instance answers 403 as the real API does (test/fakes/README.md).
 */
export interface FakeSqlAdmin {
  server: RecordingServer;
  url: string;
  instances: Map<string, FakeSqlInstance>;
  stop(): Promise<void>;
}

// Cloud SQL answers 403 notAuthorized, not 404, for an instance that does not exist.
const NO_INSTANCE = googleError(403, 'PERMISSION_DENIED', 'The client is not authorized to make this request.');

const LIST = /^\/v1\/projects\/([^/]+)\/instances\/([^/]+)\/backupRuns$/;
const GET = /^\/v1\/projects\/([^/]+)\/instances\/([^/]+)$/;

/** A backup run as the API returns it. */
export function backupRun(
  id: number,
  status: string,
  enqueued: Date,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const end = new Date(enqueued.getTime() + 4 * 60_000);
  return {
    kind: 'sql#backupRun',
    id: String(id),
    status,
    type: 'AUTOMATED',
    backupKind: 'SNAPSHOT',
    enqueuedTime: enqueued.toISOString(),
    startTime: new Date(enqueued.getTime() + 1_000).toISOString(),
    ...(status === 'SUCCESSFUL' || status === 'FAILED' ? { endTime: end.toISOString() } : {}),
    windowStartTime: enqueued.toISOString(),
    location: 'us',
    ...extra,
  };
}

/** Starts the fake on a free loopback port; instances are keyed `project/instance`. */
export async function startFakeSqlAdmin(options: { pageSize?: number } = {}): Promise<FakeSqlAdmin> {
  const instances = new Map<string, FakeSqlInstance>();
  const pageSize = options.pageSize ?? 3;
  const server = new RecordingServer((request): FakeReply => {
    const list = LIST.exec(request.path);
    if (request.method === 'GET' && list) {
      const instance = instances.get(`${list[1]}/${list[2]}`);
      if (!instance) return NO_INSTANCE;
      const runs = [...instance.runs].sort((a, b) => String(b.enqueuedTime).localeCompare(String(a.enqueuedTime)));
      const size = Math.min(Number(request.query.get('maxResults') ?? pageSize), pageSize);
      const start = Number(request.query.get('pageToken') ?? 0);
      const items = runs.slice(start, start + size);
      const next = start + size < runs.length ? String(start + size) : undefined;
      return {
        status: 200,
        body: {
          kind: 'sql#backupRunsList',
          ...(items.length ? { items } : {}),
          ...(next ? { nextPageToken: next } : {}),
        },
      };
    }
    const get = GET.exec(request.path);
    if (request.method === 'GET' && get) {
      const instance = instances.get(`${get[1]}/${get[2]}`);
      if (!instance) return NO_INSTANCE;
      return {
        status: 200,
        body: {
          kind: 'sql#instance',
          name: get[2],
          project: get[1],
          databaseVersion: instance.databaseVersion,
          settings: {
            backupConfiguration: {
              enabled: instance.backupEnabled ?? true,
              binaryLogEnabled: instance.binaryLogEnabled ?? false,
              pointInTimeRecoveryEnabled: instance.pointInTimeRecoveryEnabled ?? false,
              backupRetentionSettings: { retentionUnit: 'COUNT', retainedBackups: instance.retainedBackups ?? 7 },
              transactionLogRetentionDays: 7,
            },
          },
        },
      };
    }
    return googleError(404, 'NOT_FOUND', `no route ${request.method} ${request.path}`);
  });
  const url = await server.start();
  return { server, url, instances, stop: () => server.stop() };
}
