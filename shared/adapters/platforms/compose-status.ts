import type { ImageEntry, Observation } from './compose-history.js';
import type { ContainerView } from './docker-engine.js';
import type { PlatformHealth, RevisionInfo, ServiceStatus, TrafficShare } from './service-platform.js';

/** Everything a compose status is built from; all of it is data. */
export interface ComposeSnapshot {
  /** `project/service`. */
  target: string;
  containers: readonly ContainerView[];
  /** The recorded images, oldest first (empty without a state store). */
  history: readonly ImageEntry[];
  /** Images still on the daemon with the content they had when they served, so compose can run them again. */
  deployable: ReadonlySet<string>;
  /** While pinned: the image the compose files themselves name, which releasing the pin would run. */
  latest?: { image: string; deployable: boolean };
  now: Date;
}

/** Containers that serve: running, not restarting. */
export function runningContainers(containers: readonly ContainerView[]): ContainerView[] {
  return containers.filter((c) => c.state === 'running');
}

/** Whether the service is up as compose defines it: at least one container, every one running and not unhealthy. */
export function containersReady(containers: readonly ContainerView[]): boolean {
  return (
    containers.length > 0 &&
    containers.every((c) => c.state === 'running' && c.health !== 'unhealthy' && c.health !== 'starting')
  );
}

/** Share of running containers per image, largest first. */
export function imageShares(containers: readonly ContainerView[]): TrafficShare[] {
  const running = runningContainers(containers);
  const counts = new Map<string, number>();
  for (const c of running) counts.set(c.image, (counts.get(c.image) ?? 0) + 1);
  return [...counts]
    .map(([revision, n]) => ({ revision, percent: Math.round((n * 100) / running.length) }))
    .sort((a, b) => b.percent - a.percent);
}

/** What serves now, as a history observation: the majority image, since its earliest running container. */
export function observation(containers: readonly ContainerView[], now: Date): Observation | undefined {
  const image = imageShares(containers)[0]?.revision;
  if (image === undefined) return undefined;
  const mine = runningContainers(containers).filter((c) => c.image === image);
  const since = mine.map((c) => c.created).sort()[0] ?? now.toISOString();
  return { image, imageId: mine[0]?.imageId ?? '', since, at: now.toISOString() };
}

/**
 * Builds the port's view of a compose service: each recorded image is a revision (newest first), the serving
 * one is the image most running containers run, and it is ready when every container runs and none is unhealthy.
 */
export function toComposeStatus(s: ComposeSnapshot): ServiceStatus {
  const traffic = imageShares(s.containers);
  const serving = traffic[0]?.revision;
  const ready = containersReady(s.containers);
  const entries = [...s.history];
  const seen = observation(s.containers, s.now);
  if (seen && !entries.some((e) => e.image === seen.image)) {
    const number = Math.max(0, ...entries.map((e) => e.number)) + 1;
    entries.push({ image: seen.image, imageId: seen.imageId, since: seen.since, lastSeen: seen.at, number });
  }
  const revisions: RevisionInfo[] = entries
    .sort((a, b) => b.number - a.number)
    .map((e) => ({
      name: e.image,
      createdAt: e.since,
      ready: e.image === serving ? ready : s.deployable.has(e.image),
      percent: traffic.find((t) => t.revision === e.image)?.percent ?? 0,
      number: e.number,
      image: e.image,
    }));
  const latest = s.latest;
  if (latest && !revisions.some((r) => r.name === latest.image)) {
    revisions.unshift({
      name: latest.image,
      createdAt: s.now.toISOString(),
      ready: latest.deployable,
      percent: 0,
      number: Math.max(0, ...revisions.map((r) => r.number ?? 0)) + 1,
      image: latest.image,
    });
  }
  const latestReady = latest ? latest.image : serving;
  return {
    platform: 'compose',
    target: s.target,
    ready,
    serving,
    traffic,
    ...(latestReady ? { latestReady } : {}),
    revisions,
  };
}

/**
 * The port's health view of a compose service: each container is a "pod" (Running when its state is running,
 * ready unless its healthcheck says starting or unhealthy); every container compose created is desired.
 */
export function toComposeHealth(target: string, containers: readonly ContainerView[]): PlatformHealth {
  const pods = containers.map((c) => {
    const running = c.state === 'running';
    return {
      name: c.name,
      phase: running ? 'Running' : c.state,
      ready: running && c.health !== 'starting' && c.health !== 'unhealthy',
      restarts: c.restartCount,
      ...(c.state === 'restarting' ? { waiting: 'restarting' } : {}),
    };
  });
  const available = pods.filter((p) => p.ready).length;
  const ready = containersReady(containers);
  const unwell = containers.find((c) => c.state !== 'running' || c.health === 'unhealthy' || c.health === 'starting');
  return {
    platform: 'compose',
    target,
    ready,
    ...(!ready ? { message: unwell ? `${unwell.name} is ${unwell.health ?? unwell.state}` : 'no containers' } : {}),
    replicas: {
      desired: containers.length,
      available,
      ready: available,
      updated: runningContainers(containers).length,
    },
    pods,
  };
}
