import { setTimeout as delay } from 'node:timers/promises';
import type { ComposeService } from '../../core/config/index.js';
import { BadInputError } from '../../core/errors/index.js';
import type { StateStore } from '../../core/state/index.js';
import type { ChangePreview, PlannedChange } from './change-preview.js';
import { showCall } from './compose-cli.js';
import { historyKey, ImageHistory } from './compose-history.js';
import { defaultPinFile } from './compose-pin.js';
import { ComposeProject } from './compose-project.js';
import {
  containersReady,
  imageShares,
  observation,
  runningContainers,
  toComposeHealth,
  toComposeStatus,
} from './compose-status.js';
import { type ContainerView, DockerEngine } from './docker-engine.js';
import { LatestChangedError, PlatformTimeoutError, ServingChangedError } from './errors.js';
import type {
  FollowOptions,
  PinnablePlatform,
  PlatformHealth,
  RestartOptions,
  RouteOptions,
  ScalingChange,
  ScalingState,
  ServiceStatus,
  WaitOptions,
} from './service-platform.js';

/** A compose service's config plus the adapter's timing and the store that keeps its image history. */
export interface ComposePlatformOptions extends Omit<ComposeService, 'platform'> {
  /** Where the image history lives; without it only the image serving now is known. */
  history?: StateStore;
  /** Per Docker API request; default 10 s. */
  timeoutMs?: number;
  /** How long a compose command, and then the wait for its containers, may take; default 2 min each. */
  waitTimeoutMs?: number;
  /** Poll interval while waiting for containers; default 1 s. */
  pollMs?: number;
  now?: () => Date;
}

/**
 * The {@link ServicePlatform} for a docker compose service: status from the Docker Engine API, every change
 * through the compose CLI so the project stays what compose manages. A rollback pins the image (an override
 * file, or the image variable) until {@link followLatest} releases it, and every later command carries the pin.
 */
export class ComposePlatform implements PinnablePlatform, ChangePreview {
  readonly kind = 'compose' as const;
  readonly target: string;
  private readonly engine: DockerEngine;
  private readonly compose: ComposeProject;

  constructor(private readonly o: ComposePlatformOptions) {
    this.target = `${o.project}/${o.service}`;
    this.engine = new DockerEngine({
      ...(o.dockerHost ? { host: o.dockerHost } : {}),
      ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
    });
    this.compose = new ComposeProject({
      ...o,
      dockerHost: this.engine.host,
      pinFile: o.pinFile ?? defaultPinFile(o.files, o.project, o.service),
      timeoutMs: o.waitTimeoutMs ?? 120_000,
    });
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  /** The service's image history in the state store, when the adapter was given one. */
  private history(): ImageHistory | undefined {
    const store = this.o.history;
    return store ? new ImageHistory(store, historyKey(this.o.project, this.o.service)) : undefined;
  }

  private containers(): Promise<ContainerView[]> {
    return this.engine.containers(this.o.project, this.o.service);
  }

  /** Reads the containers, the image history (recording what serves now) and, while pinned, the files' own image. */
  async status(): Promise<ServiceStatus> {
    const now = this.now();
    const containers = await this.containers();
    const pin = await this.compose.pin();
    const seen = observation(containers, now);
    const history = this.history();
    const entries = history ? await (seen ? history.record(seen) : history.read()) : [];
    const deployable = new Set<string>();
    for (const entry of entries) {
      if ((await this.engine.image(entry.image))?.id === entry.imageId) deployable.add(entry.image);
    }
    const image = pin ? await this.compose.image() : undefined;
    const latest = image ? { image, deployable: (await this.engine.image(image)) !== undefined } : undefined;
    return toComposeStatus({
      target: this.target,
      containers,
      history: entries,
      deployable,
      now,
      ...(latest ? { latest } : {}),
    });
  }

  /** Pins `revision` (an image) and recreates the containers on it, as many as run now; waits until they serve. */
  async routeAll(revision: string, options: RouteOptions = {}): Promise<ServiceStatus> {
    const containers = await this.containers();
    const shares = imageShares(containers);
    if (options.expectServing !== undefined && !shares.some((t) => t.revision === options.expectServing)) {
      throw new ServingChangedError(options.expectServing, shares[0]?.revision);
    }
    const pin = this.compose.pinFor(revision, this.now());
    if (pin.variable && (await this.compose.image(pin)) !== revision) {
      throw new BadInputError(
        `${this.target}: with ${pin.variable.name}=${pin.variable.value} the compose files do not name ${revision}`,
      );
    }
    // As many as the service is scaled to, a crashed one included: a rollback does not shrink the service.
    const replicas = Math.max(1, containers.length);
    await this.compose.runPinned(pin, this.compose.up(replicas, true), options.signal);
    await this.waitFor(replicas, revision, options.signal);
    return this.status();
  }

  /**
   * Removes the pin and recreates the containers on the image the compose files name; waits until they serve.
   * With `expectLatest`, only while the files name that image, before the command and after it.
   */
  async followLatest(options: FollowOptions = {}): Promise<ServiceStatus> {
    const { expectLatest } = options;
    const replicas = Math.max(1, (await this.containers()).length);
    if (expectLatest !== undefined) {
      const named = await this.compose.image();
      if (named !== expectLatest) throw new LatestChangedError(expectLatest, named, false);
    }
    await this.compose.runPinned(undefined, this.compose.up(replicas, true), options.signal);
    await this.waitFor(replicas, undefined, options.signal);
    const after = await this.status();
    if (expectLatest !== undefined && after.serving !== expectLatest) {
      throw new LatestChangedError(expectLatest, after.serving, true);
    }
    return after;
  }

  /**
   * The service's scale: its containers, a stopped or crashed one included, as `--scale` counts them. Counted
   * running only, a container that died during an incident lowered the baseline a scale-up records, and the
   * scale-down after it cut the service below its size.
   */
  async scaling(): Promise<ScalingState> {
    return { platform: 'compose', replicas: (await this.containers()).length };
  }

  /** `up --scale SERVICE=N --no-recreate` with the pin in effect, so running containers stay as they are. */
  async scale(change: ScalingChange, options: WaitOptions = {}): Promise<ScalingState> {
    if (change.platform !== 'compose') throw new BadInputError(`${this.target}: not a compose scaling change`);
    await this.containers();
    const pin = await this.compose.pin();
    await this.compose.run(await this.compose.call(this.compose.up(change.replicas, false), pin), options.signal);
    await this.waitFor(change.replicas, undefined, options.signal);
    return this.scaling();
  }

  /**
   * The containers as a health check reads them: each one's state, health and restart count. What serves is
   * recorded in the image history too, as `status()` records it: compose keeps no history of its own, and a
   * rollback after a deploy no rollback run saw serve needs the image that served before it.
   */
  async health(): Promise<PlatformHealth> {
    const containers = await this.containers();
    const seen = observation(containers, this.now());
    // Best effort: a health read reports the containers whatever the state store does (a store down or slow is
    // not the service failing); a rollback's own status read records it again.
    if (seen)
      await this.history()
        ?.record(seen)
        .catch(() => undefined);
    return toComposeHealth(this.target, containers);
  }

  /**
   * `compose restart SERVICE`, then waits until every container runs and none is unhealthy: every one, an exited
   * one included, since `compose restart` starts stopped containers too. Compose records no restart time of its
   * own, so `at` is only the audit's.
   */
  async restart(options: Partial<RestartOptions> = {}): Promise<PlatformHealth> {
    const replicas = (await this.containers()).length;
    if (replicas === 0) {
      throw new BadInputError(
        `${this.target}: no containers to restart (the service was never started or was removed)`,
      );
    }
    const pin = await this.compose.pin();
    await this.compose.run(await this.compose.call(['restart', this.o.service], pin), options.signal);
    await this.waitFor(replicas, undefined, options.signal);
    return this.health();
  }

  /** The exact compose command a change runs, with the variables set for it. */
  async preview(change: PlannedChange): Promise<string> {
    // Sized as the change sizes it: every container, a crashed one included.
    const replicas = Math.max(1, (await this.containers()).length);
    const current = await this.compose.pin();
    const shown = this.o.imageVariable ? [this.o.imageVariable] : [];
    if (change.kind === 'route') {
      const pin = this.compose.pinFor(change.revision, this.now());
      return showCall(await this.compose.call(this.compose.up(replicas, true), pin), shown);
    }
    if (change.kind === 'release') {
      return showCall(await this.compose.call(this.compose.up(replicas, true), undefined), shown);
    }
    const sub = change.kind === 'scale' ? this.compose.up(change.replicas, false) : ['restart', this.o.service];
    return showCall(await this.compose.call(sub, current), shown);
  }

  /** Polls until `replicas` containers run (on `image`, when given) and none is starting or unhealthy. */
  private async waitFor(replicas: number, image: string | undefined, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + (this.o.waitTimeoutMs ?? 120_000);
    let last: ContainerView[] = [];
    for (;;) {
      last = await this.containers();
      const running = runningContainers(last);
      const onImage = image === undefined || running.every((c) => c.image === image);
      if (running.length === replicas && onImage && (replicas === 0 || containersReady(last))) return;
      if (Date.now() >= deadline) break;
      await delay(this.o.pollMs ?? 1_000, undefined, signal ? { signal } : {});
    }
    const seen = last.map((c) => `${c.name} ${c.image} ${c.state}${c.health ? `/${c.health}` : ''}`).join(', ');
    throw new PlatformTimeoutError(
      `${this.target}: compose applied the change but ${replicas} container(s)${image ? ` on ${image}` : ''} were not running and healthy within ${Math.round((this.o.waitTimeoutMs ?? 120_000) / 1000)}s (seen: ${seen || 'none'})`,
      { replicas, image },
    );
  }
}
