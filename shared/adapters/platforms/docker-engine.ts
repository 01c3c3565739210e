import type Docker from 'dockerode';
import { DependencyError, NotFoundError, OpsError } from '../../core/errors/index.js';

/** One container of a compose service, as the Docker Engine API reports it. */
export interface ContainerView {
  id: string;
  name: string;
  /** The image reference the container was created from (`Config.Image`, e.g. `app:v1`). */
  image: string;
  /** The content id of that image (`sha256:…`). */
  imageId: string;
  /** Creation time, RFC 3339. */
  created: string;
  /** When it last started, RFC 3339 (a restart moves it). */
  startedAt: string;
  /** `running`, `restarting`, `exited`, `created`, `paused` or `dead`. */
  state: string;
  /** The healthcheck status, when the container has a healthcheck. */
  health?: 'starting' | 'healthy' | 'unhealthy';
  restartCount: number;
}

/** An image present on the daemon. */
export interface ImageView {
  id: string;
  repoDigests: string[];
}

/** How the adapter reaches the Docker Engine API. */
export interface DockerEngineOptions {
  /** `unix:///var/run/docker.sock`, `tcp://host:2375` or `http://host:2375`; default `DOCKER_HOST`, else the local socket. */
  host?: string;
  /** Per-request timeout: a daemon that accepts and never answers fails after it. Default 10 s. */
  timeoutMs?: number;
}

const COMPOSE_PROJECT = 'com.docker.compose.project';
const COMPOSE_SERVICE = 'com.docker.compose.service';
const COMPOSE_ONEOFF = 'com.docker.compose.oneoff';

/** The Docker host in effect: the given one, else `DOCKER_HOST`, else the local socket. */
export function dockerHostOf(host: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return host ?? env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

function connection(host: string, timeout: number): Docker.DockerOptions {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length), timeout };
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return { protocol: 'http', host: url.hostname, port: url.port || 2375, timeout };
}

/** Reads containers and images over the Docker Engine API with `dockerode`, loaded on first use. */
export class DockerEngine {
  readonly host: string;
  private client: Promise<Docker> | undefined;

  constructor(private readonly options: DockerEngineOptions = {}) {
    this.host = dockerHostOf(options.host);
  }

  private api(): Promise<Docker> {
    this.client ??= import('dockerode').then(
      ({ default: Dockerode }) => new Dockerode(connection(this.host, this.options.timeoutMs ?? 10_000)),
    );
    return this.client;
  }

  /** Wraps a dockerode error once, saying which daemon failed and how. */
  private wrap(error: unknown, doing: string, started: number): OpsError {
    if (error instanceof OpsError) return error;
    const e = error as { code?: string; statusCode?: number; message?: string };
    const text = (e.message ?? String(error)).split('\n')[0]?.slice(0, 300);
    if (e.statusCode === 404) return new NotFoundError(`${doing}: ${text}`, { cause: error });
    const down = e.code === 'ECONNREFUSED' || e.code === 'ENOENT' || e.code === 'EACCES';
    // docker-modem ends a request that ran past its timeout by destroying the socket: a hang-up at the deadline.
    const late = Date.now() - started >= (this.options.timeoutMs ?? 10_000) - 50;
    const hung = /timeout/i.test(text ?? '') || (e.code === 'ECONNRESET' && late);
    const why = down
      ? `the Docker daemon at ${this.host} is not answering (${e.code})`
      : hung
        ? `the Docker daemon at ${this.host} did not answer within ${Math.round((this.options.timeoutMs ?? 10_000) / 1000)}s`
        : `Docker API error${e.statusCode ? ` HTTP ${e.statusCode}` : ''}: ${text}`;
    return new DependencyError(`${doing}: ${why}`, { cause: error, retryable: down || hung });
  }

  /** The containers of one compose service (one-off `run` containers excluded), with health and restarts. */
  async containers(project: string, service: string): Promise<ContainerView[]> {
    const doing = `reading containers of compose service ${project}/${service}`;
    const started = Date.now();
    try {
      const docker = await this.api();
      const listed = await docker.listContainers({
        all: true,
        filters: { label: [`${COMPOSE_PROJECT}=${project}`, `${COMPOSE_SERVICE}=${service}`] },
      });
      const own = listed.filter((c) => c.Labels?.[COMPOSE_ONEOFF] !== 'True');
      // A container listed, then removed before its inspect (a `compose up` recreating it) is gone: 404 skips it.
      const inspected = await Promise.all(
        own.map((c) =>
          docker
            .getContainer(c.Id)
            .inspect()
            .catch((error: { statusCode?: number }) => {
              if (error?.statusCode === 404) return undefined;
              throw error;
            }),
        ),
      );
      return inspected.flatMap((c) => {
        if (!c) return [];
        const health = c.State.Health?.Status;
        const view: ContainerView = {
          id: c.Id,
          name: c.Name.replace(/^\//, ''),
          image: c.Config.Image,
          imageId: c.Image,
          created: new Date(c.Created).toISOString(),
          startedAt: c.State.StartedAt,
          state: c.State.Status,
          ...(health === 'starting' || health === 'healthy' || health === 'unhealthy' ? { health } : {}),
          restartCount: c.RestartCount ?? 0,
        };
        return [view];
      });
    } catch (error) {
      throw this.wrap(error, doing, started);
    }
  }

  /** The image a reference names on the daemon now, undefined when it is not there. */
  async image(ref: string): Promise<ImageView | undefined> {
    const started = Date.now();
    try {
      const docker = await this.api();
      const info = await docker.getImage(ref).inspect();
      return { id: info.Id, repoDigests: info.RepoDigests ?? [] };
    } catch (error) {
      const wrapped = this.wrap(error, `inspecting image ${ref}`, started);
      if (wrapped instanceof NotFoundError) return undefined;
      throw wrapped;
    }
  }
}
