import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyError } from '../../../../shared/core/errors/ops-error.js';
import { RedisStateStore } from '../../../../shared/core/state/redis.js';
import { holdOnlySlot, startLocalRedis } from '../../../support/memorystore.js';

const prefix = `opsfn-test:state-outage:${randomUUID()}:`;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/**
 * A TCP proxy to the real Redis whose existing connections can go dead silently (requests
 * swallowed, no FIN, no RST), as on a broken network path; new connections still get through.
 */
function blackholingProxy() {
  const sockets = new Set<Socket>();
  const dead = new WeakSet<Socket>();
  const server = createServer((client) => {
    const upstream = connect(6379, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      if (!dead.has(client)) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  return {
    server,
    blackholeExisting: () => {
      for (const socket of sockets) dead.add(socket);
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('RedisStateStore when Redis is unreachable', () => {
  const sockets = new Set<Socket>();
  // Accepts connections and never answers: the hung-Redis case.
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  let silentPort = 0;

  beforeAll(async () => {
    silentPort = await listen(silent);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it.each([
    ['a closed port', () => 'redis://127.0.0.1:1'],
    ['a server that never answers', () => `redis://127.0.0.1:${silentPort}`],
  ])('rejects with DependencyError quickly against %s', async (_label, url) => {
    const store = await RedisStateStore.open({ url: url(), prefix });
    try {
      for (const call of [() => store.ping(), () => store.claim('k', 1_000)]) {
        const started = Date.now();
        const error = await call().catch((e: unknown) => e);
        expect(Date.now() - started).toBeLessThan(3_000);
        expect(error).toBeInstanceOf(DependencyError);
        expect((error as DependencyError).message).toMatch(/^state store unavailable: /);
        expect((error as DependencyError).retryable).toBe(true);
      }
    } finally {
      await store.close();
    }
  });

  it('keeps the password out of error messages', async () => {
    const store = await RedisStateStore.open({ url: 'redis://:hunter2-secret@127.0.0.1:1/0', prefix });
    try {
      const error = await store.ping().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DependencyError);
      expect((error as Error).message).not.toContain('hunter2');
      expect((error as Error).message).toContain('redis://127.0.0.1:1');
      expect(JSON.stringify((error as DependencyError).details)).not.toContain('hunter2');
    } finally {
      await store.close();
    }
  });

  it('times out a command on a dead connection, then carries on over a new one', async () => {
    const proxy = blackholingProxy();
    const port = await listen(proxy.server);
    const store = await RedisStateStore.open({ url: `redis://127.0.0.1:${port}`, prefix });
    try {
      await store.put('p', 'before', 10_000);
      proxy.blackholeExisting();
      const started = Date.now();
      const error = await store.get('p').catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(error).toBeInstanceOf(DependencyError);
      expect((error as Error).message).toContain('Command timed out');
      expect(await store.get('p')).toBe('before');
    } finally {
      await store.delete('p').catch(() => undefined);
      await store.close();
      await proxy.close();
    }
  });

  it('wraps a reply of the wrong kind as a state store error, not a crash', async () => {
    // Answers every command with an integer: after sign-in, GET gets a reply no Redis would send it.
    const odd = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.on('data', () => socket.write(':1\r\n'));
    });
    const port = await listen(odd);
    const store = await RedisStateStore.open({ url: `redis://127.0.0.1:${port}`, prefix });
    try {
      const error = await store.get('k').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DependencyError);
      expect((error as DependencyError).message).toBe(
        `state store error: get "k" on redis://127.0.0.1:${port}: expected a string reply, got a number`,
      );
      expect((error as DependencyError).retryable).toBe(false);
    } finally {
      await store.close();
      await new Promise((resolve) => odd.close(resolve));
    }
  });

  it('calls a server still loading its dataset unavailable, so the run is retried', async () => {
    const loading = createServer((socket) => {
      socket.on('error', () => undefined);
      let signedIn = false;
      socket.on('data', () => {
        socket.write(signedIn ? '-LOADING Redis is loading the dataset in memory\r\n' : '+OK\r\n');
        signedIn = true;
      });
    });
    const port = await listen(loading);
    const store = await RedisStateStore.open({ url: `redis://127.0.0.1:${port}`, prefix });
    try {
      const error = await store.claim('k', 1_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DependencyError);
      expect((error as DependencyError).message).toMatch(/^state store unavailable: claim "k" on .*: LOADING /);
      expect((error as DependencyError).retryable).toBe(true);
    } finally {
      await store.close();
      await new Promise((resolve) => loading.close(resolve));
    }
  });
});

describe('RedisStateStore on Redis before 7, which wraps a script call’s error', () => {
  it('reads a READONLY inside a script error as the replica it is: retryable, and a new connection next', async () => {
    let connections = 0;
    // Redis 6 answers a script whose write a replica refused with the error wrapped (fixed in 7.0: #10218).
    const replica6 = createServer((socket) => {
      connections += 1;
      socket.on('error', () => undefined);
      let signedIn = false;
      socket.on('data', () => {
        socket.write(
          signedIn
            ? "-ERR Error running script (call to f_8f2b): @user_script:1: @user_script: 1: -READONLY You can't write against a read only replica.\r\n"
            : '+OK\r\n',
        );
        signedIn = true;
      });
    });
    const port = await listen(replica6);
    const store = await RedisStateStore.open({ url: `redis://127.0.0.1:${port}`, prefix });
    try {
      const error = await store.claim('k', 1_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DependencyError);
      expect((error as DependencyError).message).toMatch(/^state store unavailable: claim "k" on .*: READONLY /);
      expect((error as DependencyError).retryable).toBe(true);
      await store.claim('k', 1_000).catch(() => undefined);
      expect(connections).toBeGreaterThan(1);
    } finally {
      await store.close();
      await new Promise((resolve) => replica6.close(resolve));
    }
  });
});

describe('RedisStateStore on a replica, where a failover can leave its address', () => {
  let primary: { url: string; stop: () => Promise<void> };
  let replica: { url: string; stop: () => Promise<void> };
  beforeAll(async () => {
    primary = await startLocalRedis([], false);
    replica = await startLocalRedis(['--replicaof', '127.0.0.1', new URL(primary.url).port], false);
  });
  afterAll(async () => {
    await replica?.stop();
    await primary?.stop();
  });

  it('refuses writes as retryable and reconnects for the next call', async () => {
    const name = `opsfn-readonly-${randomUUID()}`;
    const store = await RedisStateStore.open({ url: replica.url, prefix, connectionName: name });
    const admin = new Redis(replica.url, { lazyConnect: true });
    const ids = async () => {
      const list = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'normal'));
      return list
        .split('\n')
        .filter((l) => l.includes(` name=${name} `))
        .map((l) => /\bid=(\d+)/.exec(l)?.[1]);
    };
    try {
      await store.ping();
      const [before] = await ids();
      const error = await store.put('k', 1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DependencyError);
      expect((error as DependencyError).message).toMatch(/^state store unavailable: put "k" on .*: READONLY /);
      expect((error as DependencyError).retryable).toBe(true);
      await expect(store.get('k')).resolves.toBeUndefined();
      const after = await ids();
      expect(after).toHaveLength(1);
      expect(after[0]).not.toBe(before);
    } finally {
      admin.disconnect();
      await store.close();
    }
  });
});

describe('RedisStateStore when Redis refuses for a while', () => {
  it('calls every client slot taken unavailable and retryable, with the server’s reason', async () => {
    const full = await startLocalRedis(['--maxclients', '1'], false);
    const store = await RedisStateStore.open({ url: full.url, prefix });
    const holder = await holdOnlySlot(full.url);
    try {
      const error = await store.get('k').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DependencyError);
      expect((error as DependencyError).message).toMatch(
        /^state store unavailable: get "k" on .*: ERR max number of clients reached/,
      );
      expect((error as DependencyError).retryable).toBe(true);
      holder.disconnect();
      await new Promise((wait) => setTimeout(wait, 100));
      await expect(store.get('k')).resolves.toBeUndefined();
    } finally {
      holder.disconnect();
      await store.close();
      await full.stop();
    }
  });

  it('calls a write refused at maxmemory unavailable and retryable, and keeps the connection', async () => {
    const tight = await startLocalRedis(['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'], false);
    const name = `opsfn-oom-${randomUUID()}`;
    const store = await RedisStateStore.open({ url: tight.url, prefix, connectionName: name });
    const admin = new Redis(tight.url, { lazyConnect: true });
    const ids = async () =>
      String(await admin.call('CLIENT', 'LIST'))
        .split('\n')
        .filter((l) => l.includes(` name=${name} `))
        .map((l) => /\bid=(\d+)/.exec(l)?.[1]);
    try {
      await store.put('small', 'kept');
      let error: unknown;
      for (let i = 0; i < 20 && error === undefined; i++) {
        error = await store.put(`big:${i}`, 'x'.repeat(512 * 1024)).catch((e: unknown) => e);
      }
      expect(error).toBeInstanceOf(DependencyError);
      expect((error as DependencyError).message).toMatch(/^state store unavailable: put "big:\d+" on .*: OOM /);
      expect((error as DependencyError).retryable).toBe(true);
      const [before] = await ids();
      await expect(store.get('small')).resolves.toBe('kept');
      expect(await ids()).toEqual([before]);
    } finally {
      admin.disconnect();
      await store.close();
      await tight.stop();
    }
  });
});

describe('RedisStateStore when a lock’s answer is lost', () => {
  it('releases the lock Redis took after the client stopped waiting, so it is not held for its whole ttl', async () => {
    const server = await startLocalRedis([], false);
    const store = await RedisStateStore.open({ url: server.url, prefix, commandTimeoutMs: 300 });
    const admin = new Redis(server.url, { lazyConnect: true });
    try {
      await store.ping();
      // A script holds the server for a second: the SET behind it runs after the client's 300 ms are up.
      const busy = admin.eval(
        'local t = redis.call("TIME") while true do local n = redis.call("TIME") if (n[1] - t[1]) * 1000000 + (n[2] - t[2]) > 1000000 then break end end return 1',
        0,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      await expect(store.lock('lock:web', 900_000)).rejects.toMatchObject({ retryable: true });
      await busy;
      // The SET runs once the script is done, in whatever order Redis takes its waiting clients; the release is
      // tried again a second and two seconds later, past that.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await admin.exists(`${prefix}lock:web`)).toBe(0);
      await expect(store.lock('lock:web', 900_000)).resolves.toEqual(expect.any(String));
    } finally {
      admin.disconnect();
      await store.close();
      await server.stop();
    }
  }, 20_000);
});
