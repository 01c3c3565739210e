import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DockerEngine } from '../../../../shared/adapters/platforms/docker-engine.js';
import { RecordingServer } from '../../../fakes/recording-server.js';

const labels = { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' };

/** What `GET /containers/{id}/json` answers for a running container (Docker Engine API, ContainerInspect). */
const inspect = (id: string) => ({
  Id: id,
  Name: `/shop-web-${id}`,
  Image: 'sha256:abc',
  Created: '2026-12-01T10:00:00.000Z',
  RestartCount: 0,
  Config: { Image: 'shop/web:v2', Labels: labels },
  State: { Status: 'running', StartedAt: '2026-12-01T10:00:01.000Z' },
});

describe('DockerEngine.containers', () => {
  let daemon: RecordingServer;
  let engine: DockerEngine;
  const gone = new Set<string>();

  beforeEach(async () => {
    gone.clear();
    daemon = new RecordingServer((r) => {
      if (r.path === '/containers/json') {
        return { status: 200, body: ['one', 'two'].map((Id) => ({ Id, Labels: labels, State: 'running' })) };
      }
      const id = /^\/containers\/([^/]+)\/json$/.exec(r.path)?.[1] ?? '';
      // Removed between the list and the inspect: the Engine API answers 404 "No such container".
      if (gone.has(id)) return { status: 404, body: { message: `No such container: ${id}` } };
      return { status: 200, body: inspect(id) };
    });
    engine = new DockerEngine({ host: (await daemon.start()).replace('http:', 'tcp:'), timeoutMs: 2_000 });
  });
  afterEach(() => daemon.stop());

  it('skips a listed container removed before its inspect (a compose up recreating it), not the whole service', async () => {
    gone.add('one');
    const containers = await engine.containers('shop', 'web');
    expect(containers.map((c) => c.id)).toEqual(['two']);
  });

  it('still fails on any other inspect error', async () => {
    daemon.failNext('GET', /^\/containers\/one\/json$/, { status: 500, body: { message: 'server error' } });
    await expect(engine.containers('shop', 'web')).rejects.toThrow(/Docker API error HTTP 500/);
  });
});
