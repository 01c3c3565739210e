import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer as createTlsServer } from 'node:tls';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseRedisUrl } from '../../../../shared/core/config/redis-url.js';
import { RespClient, type RespClientOptions } from '../../../../shared/core/state/resp-client.js';
import {
  INCOMPLETE,
  RedisReplyError,
  RespProtocolError,
  RespReader,
  type RespReply,
} from '../../../../shared/core/state/resp-reader.js';
import { freePort, spawnTracked } from '../../../support/local-process.js';
import { holdOnlySlot, startLocalRedis } from '../../../support/memorystore.js';
import { TestPki } from '../../../support/tls-pki.js';

const key = (name: string) => `opsfn-test:resp:${randomUUID()}:${name}`;
const clients: RespClient[] = [];

function client(url: string, options: Partial<RespClientOptions> = {}): RespClient {
  const made = new RespClient({
    ...parseRedisUrl(url),
    name: 'opsfn-resp-test',
    connectTimeoutMs: 1_000,
    commandTimeoutMs: 1_000,
    ...options,
  });
  clients.push(made);
  return made;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/**
 * A TCP server speaking just enough RESP to be scripted: it reads each command with the reader under test's
 * sibling and hands it to `answer`, which writes whatever bytes the case needs.
 */
async function scriptedServer(answer: (command: string[], socket: Socket) => void) {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    const reader = new RespReader();
    socket.on('data', (chunk) => {
      reader.feed(chunk);
      for (let command = reader.next(); command !== INCOMPLETE; command = reader.next()) {
        answer(command as string[], socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `redis://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const signedIn = (command: string[], socket: Socket): boolean => {
  if (command[0] !== 'CLIENT') return false;
  socket.write('+OK\r\n');
  return true;
};

describe('RespClient against Redis', () => {
  it('sends commands and reads each kind of reply', async () => {
    const c = client('redis://127.0.0.1:6379');
    const k = key('kinds');
    try {
      expect(await c.send(['SET', k, 'café ✓\r\n', 'PX', 10_000])).toBe('OK');
      expect(await c.send(['GET', k])).toBe('café ✓\r\n');
      expect(await c.send(['GET', key('missing')])).toBeNull();
      expect(await c.send(['PTTL', k])).toBeGreaterThan(9_000);
      // Lua's false is a null reply; a table ends at its first nil.
      expect(await c.send(['EVAL', "return {1, {'a', false, 'c'}, 'b', nil, 'lost'}", 0])).toEqual([
        1,
        ['a', null, 'c'],
        'b',
      ]);
      const error = await c.send(['LPUSH', k, 'x']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisReplyError);
      expect((error as Error).message).toMatch(/^WRONGTYPE /);
      // The connection is still good after an error reply.
      expect(await c.send(['PING'])).toBe('PONG');
    } finally {
      await c.send(['DEL', k]);
    }
  });

  it('pipelines concurrent commands and gives each its own reply', async () => {
    const c = client('redis://127.0.0.1:6379');
    const keys = Array.from({ length: 200 }, (_, i) => key(`p${i}`));
    await Promise.all(keys.map((k, i) => c.send(['SET', k, i, 'PX', 10_000])));
    expect(await Promise.all(keys.map((k) => c.send(['GET', k])))).toEqual(keys.map((_, i) => String(i)));
    await c.send(['DEL', ...keys]);
  });

  it('round-trips a 4 MiB record', async () => {
    const c = client('redis://127.0.0.1:6379');
    const k = key('big');
    const value = JSON.stringify({ text: 'ü'.repeat(2 * 1024 * 1024 - 20) });
    await c.send(['SET', k, value, 'PX', 10_000]);
    expect(await c.send(['GET', k])).toBe(value);
    await c.send(['DEL', k]);
  });

  it('names its connection with CLIENT SETNAME', async () => {
    const name = `opsfn-resp-${randomUUID()}`;
    const c = client('redis://127.0.0.1:6379', { name });
    const list = String(await c.send(['CLIENT', 'LIST', 'TYPE', 'normal']));
    expect(list).toContain(` name=${name} `);
  });
});

describe('RespClient signing in', () => {
  let secured: { url: string; stop: () => Promise<void> };
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsfn-resp-'));
    const port = await freePort();
    const server = spawnTracked(
      'redis-server',
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
        ...['--requirepass', 'pä ss', '--user', 'ops', 'on', '>s3cret:/@', '~*', '&*', '+@all'],
        ...['--user', 'open', 'on', 'nopass', '~*', '&*', '+@all'],
        ...['--user', 'nameless', 'on', '>n4meless', '~*', '&*', '+@all', '-client'],
      ],
      dir,
    );
    secured = { url: `redis://127.0.0.1:${port}`, stop: server.stop };
    for (let i = 0; i < 100 && !/Ready to accept connections/.test(server.output()); i++) await sleep(50);
  });
  afterAll(async () => {
    await secured?.stop();
  });

  const at = (credentials: string, path = '') => secured.url.replace('redis://', `redis://${credentials}@`) + path;

  it('sends the URL password, percent-decoded', async () => {
    expect(await client(at(':p%C3%A4%20ss')).send(['PING'])).toBe('PONG');
  });

  it('signs in as the URL user', async () => {
    expect(await client(at('ops:s3cret%3A%2F%40')).send(['ACL', 'WHOAMI'])).toBe('ops');
  });

  it('signs in as a URL user given without a password, as a user marked nopass, and refuses one that needs it', async () => {
    expect(await client(at('open')).send(['ACL', 'WHOAMI'])).toBe('open');
    const error = await client(at('ops'))
      .send(['PING'])
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^WRONGPASS /);
  });

  it('signs in where an ACL denies the user CLIENT: the connection name is a courtesy', async () => {
    expect(await client(at('nameless:n4meless')).send(['ACL', 'WHOAMI'])).toBe('nameless');
  });

  it('rejects a wrong password with the server’s reply and keeps no connection', async () => {
    const error = await client(at(':wrong'))
      .send(['PING'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisReplyError);
    expect((error as Error).message).toMatch(/^WRONGPASS /);
  });

  it('refuses commands without a password as Redis does', async () => {
    const error = await client(secured.url)
      .send(['PING'])
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^NOAUTH /);
  });

  it('selects the database of the URL path', async () => {
    const k = key('db');
    await client(at(':p%C3%A4%20ss', '/3')).send(['SET', k, 'in three', 'PX', 10_000]);
    const admin = new Redis(at(':p%C3%A4%20ss', '/3'), { lazyConnect: true });
    try {
      expect(await admin.get(k)).toBe('in three');
      await admin.select(0);
      expect(await admin.get(k)).toBeNull();
    } finally {
      admin.disconnect();
    }
  });
});

describe('RespClient refused at sign-in', () => {
  it('fails the sign-in with the server’s reason when every client slot is taken, not a broken pipe', async () => {
    const full = await startLocalRedis(['--maxclients', '1'], false);
    let holder: Redis | undefined;
    try {
      holder = await holdOnlySlot(full.url);
      const error = await client(full.url)
        .send(['PING'])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisReplyError);
      expect((error as Error).message).toBe('ERR max number of clients reached');
    } finally {
      holder?.disconnect();
      await full.stop();
    }
  });
});

describe('RespClient over TLS', () => {
  it('names the server it wants (SNI) when the URL names a host, as TLS fronts routing by name need', async () => {
    const pki = new TestPki();
    const root = pki.issue({ name: 'root', cn: 'RESP Root', key: pki.key('root'), fromDays: -1, toDays: 30, ca: true });
    const leaf = pki.issue({
      name: 'leaf',
      cn: 'localhost',
      key: pki.key('leaf'),
      issuer: root,
      fromDays: -1,
      toDays: 30,
      sans: ['DNS:localhost', 'IP:127.0.0.1'],
    });
    const names: (string | false)[] = [];
    const server = createTlsServer({ key: leaf.key.pem, cert: leaf.pem }, (socket) => {
      names.push((socket as unknown as { servername: string | false }).servername);
      socket.on('error', () => undefined);
      const reader = new RespReader();
      socket.on('data', (chunk) => {
        reader.feed(chunk);
        for (let command = reader.next(); command !== INCOMPLETE; command = reader.next()) {
          socket.write((command as string[])[0] === 'PING' ? '+PONG\r\n' : '+OK\r\n');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      expect(await client(`rediss://localhost:${port}`, { ca: root.pem }).send(['PING'])).toBe('PONG');
      expect(await client(`rediss://127.0.0.1:${port}`, { ca: root.pem }).send(['PING'])).toBe('PONG');
      // An address is never sent as a server name (RFC 6066 §3 allows host names only).
      expect(names).toEqual(['localhost', false]);
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await new Promise((resolve) => server.close(resolve));
      pki.cleanup();
    }
  });
});

describe('RespClient against Memorystore for Redis 5.0', () => {
  it('signs in and works where CLIENT is refused', async () => {
    const server = await startLocalRedis(['--rename-command', 'CLIENT', '']);
    try {
      const c = client(server.url);
      expect(await c.send(['SET', 'k', 'v'])).toBe('OK');
      expect(await c.send(['GET', 'k'])).toBe('v');
    } finally {
      await server.stop();
    }
  });
});

describe('RespClient against a broken server', () => {
  const servers: { close: () => Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const serve = async (answer: (command: string[], socket: Socket) => void) => {
    const server = await scriptedServer(answer);
    servers.push(server);
    return server;
  };

  it('gives up connecting after the connect timeout when the server never answers', async () => {
    const server = await serve(() => undefined);
    const started = Date.now();
    const error = await client(server.url, { connectTimeoutMs: 200 })
      .send(['PING'])
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('connect: no answer within 200ms');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('fails a command the server does not answer, and opens a new connection for the next', async () => {
    let silent = true;
    const server = await serve((command, socket) => {
      if (signedIn(command, socket)) return;
      if (!silent) socket.write('+PONG\r\n');
    });
    const c = client(server.url, { commandTimeoutMs: 200 });
    const pending = [c.send(['PING']), c.send(['PING'])].map((p) => p.catch((e: unknown) => e));
    const errors = await Promise.all(pending);
    expect(errors.map((e) => (e as Error).message)).toEqual([
      'Command timed out after 200ms',
      'Command timed out after 200ms',
    ]);
    silent = false;
    expect(await c.send(['PING'])).toBe('PONG');
    expect(server.connections()).toBe(2);
  });

  it('reads replies however the server splits them', async () => {
    const server = await serve((command, socket) => {
      if (signedIn(command, socket)) return;
      const reply = Buffer.from(`*2\r\n$${Buffer.byteLength(command[1] ?? '')}\r\n${command[1]}\r\n:5\r\n`);
      void (async () => {
        for (const byte of reply) {
          socket.write(Buffer.of(byte));
          await sleep(1);
        }
      })();
    });
    expect(await client(server.url).send(['ECHO', 'héllo'])).toEqual(['héllo', 5]);
  });

  it.each([
    ['an HTTP server', 'HTTP/1.1 400 Bad Request\r\n\r\n', /not a Redis reply: it starts with byte 0x48/],
    ['a reply nobody asked for', '+OK\r\n', /a reply no command asked for/],
  ])('refuses %s and drops the connection', async (_label, bytes, message) => {
    // The extra bytes follow the answer to the sign-in, so they arrive while no other command is waiting.
    const server = await serve((_command, socket) => {
      socket.write(`+OK\r\n${bytes}`);
    });
    const c = client(server.url);
    const error = await c.send(['PING']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RespProtocolError);
    expect((error as Error).message).toMatch(message);
    await sleep(20);
    await c.send(['PING']).catch(() => undefined);
    expect(server.connections()).toBe(2);
  });

  it('fails the commands in flight when the server closes mid-reply, then reconnects', async () => {
    let cut = true;
    const server = await serve((command, socket) => {
      if (signedIn(command, socket)) return;
      if (cut) socket.end('$10\r\nhalf');
      else socket.write('$4\r\nfull\r\n');
    });
    const c = client(server.url);
    expect(((await c.send(['GET', 'k']).catch((e: unknown) => e)) as Error).message).toBe('connection closed');
    cut = false;
    expect(await c.send(['GET', 'k'])).toBe('full');
  });

  it('lets the commands in flight finish when closed, and refuses new ones', async () => {
    const server = await serve((command, socket) => {
      if (signedIn(command, socket)) return;
      setTimeout(() => socket.write('+LATE\r\n'), 50);
    });
    const c = client(server.url);
    await c.send(['PING']);
    const inFlight = c.send(['PING']);
    await c.close();
    expect(await inFlight).toBe('LATE');
    await expect(c.send(['PING'])).rejects.toThrow('client is closed');
  });

  it('drops the connection at once when destroyed, mid-command or mid-connect', async () => {
    const server = await serve((command, socket) => {
      signedIn(command, socket);
    });
    const answering = client(server.url);
    await answering.send(['CLIENT', 'SETNAME', 'x']);
    const inFlight = answering.send(['PING']).catch((e: unknown) => e);
    answering.destroy(new Error('deadline'));
    expect(((await inFlight) as Error).message).toBe('deadline');
    const silent = await serve(() => undefined);
    const connecting = client(silent.url, { connectTimeoutMs: 5_000 });
    const started = Date.now();
    const pending = connecting.send(['PING']).catch((e: unknown) => e);
    await sleep(50);
    connecting.destroy(new Error('deadline'));
    expect(((await pending) as Error).message).toBe('deadline');
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(connecting.send(['PING'])).rejects.toThrow('client is closed');
  });

  it('has ended a connection still signing in by the time close() resolves, after the last one broke', async () => {
    const ended: boolean[] = [];
    const slow = createServer((socket) => {
      const index = ended.push(false) - 1;
      socket.on('error', () => undefined);
      socket.on('end', () => {
        ended[index] = true;
        socket.end();
      });
      const reader = new RespReader();
      socket.on('data', (chunk) => {
        reader.feed(chunk);
        for (let command = reader.next(); command !== INCOMPLETE; command = reader.next()) {
          // The first connection breaks on its first PING; the next one signs in slowly.
          if (index === 0 && (command as string[])[0] === 'PING') socket.destroy();
          else if (index === 0) socket.write('+OK\r\n');
          else setTimeout(() => socket.writable && socket.write('+OK\r\n'), 150);
        }
      });
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const address = slow.address();
    try {
      const c = client(`redis://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
      await c.send(['CLIENT', 'SETNAME', 'x']);
      await expect(c.send(['PING'])).rejects.toThrow();
      const pending = c.send(['PING']).catch((e: unknown) => e);
      await sleep(50);
      await c.close();
      expect(ended).toEqual([false, true]);
      expect(((await pending) as Error).message).toBe('client is closed');
    } finally {
      await new Promise((resolve) => slow.close(resolve));
    }
  });

  it('closes within the connect timeout when the server never hangs up', async () => {
    const server = await serve((command, socket) => {
      signedIn(command, socket);
    });
    const c = client(server.url, { connectTimeoutMs: 200 });
    await c.send(['CLIENT', 'SETNAME', 'x']);
    const inFlight = c.send(['PING']).catch((e: unknown) => e as RespReply);
    const started = Date.now();
    await c.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await inFlight) as unknown).toBeInstanceOf(Error);
  });
});
