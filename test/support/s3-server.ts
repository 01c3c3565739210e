import { type ChildProcess, spawn } from 'node:child_process';
import { lookup as dnsLookup } from 'node:dns';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { createRequire } from 'node:module';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The host suffix virtual-host-style requests use; resolved to loopback by {@link S3TestServer.agent}. */
export const S3_TEST_DOMAIN = 'opsfn.test';

/** A real S3-protocol server on loopback, with what a client needs to reach it both ways. */
export interface S3TestServer {
  port: number;
  /** Path-style endpoint: `http://127.0.0.1:PORT`. */
  endpoint: string;
  /** Virtual-host endpoint: the SDK sends `bucket.s3.opsfn.test:PORT` as the Host. */
  vhostEndpoint: string;
  /** An agent resolving `*.opsfn.test` to 127.0.0.1, for virtual-host-style clients. */
  agent: Agent;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Host headers of every request received so far, to prove which addressing style a client used. */
  hosts(): Promise<string[]>;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

// s3rver signs ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers through its
// legacy provider; so the server runs in its own Node process started with that flag.
const CHILD = `
const S3rver = require(process.env.S3RVER_PATH);
const server = new S3rver(JSON.parse(process.env.S3RVER_OPTIONS));
server.run().then(({ port }) => {
  server.httpServer.on('request', (req) => process.send({ host: req.headers.host || '' }));
  process.send({ port });
}, (error) => { console.error(error); process.exit(1); });
process.on('message', (m) => {
  if (m.bucket) server.store.putBucket(m.bucket).then(() => process.send({ created: m.bucket }));
  if (m.sync) process.send({ synced: m.sync });
});
process.on('disconnect', () => process.exit(0));
`;

const loopbackLookup: LookupFunction = (hostname, options, callback) => {
  if (hostname === S3_TEST_DOMAIN || hostname.endsWith(`.${S3_TEST_DOMAIN}`)) {
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
    return;
  }
  dnsLookup(hostname, options, callback);
};

function reply(child: ChildProcess, match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (!match(m)) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null) => reject(new Error(`s3rver exited with ${code}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Starts s3rver on 127.0.0.1 (port 0) in a temp directory, creating `buckets`. */
export async function startS3Server(buckets: string[] = []): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'opsfn-s3rver-'));
  const options = {
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    serviceEndpoint: S3_TEST_DOMAIN,
    configureBuckets: buckets.map((name) => ({ name })),
  };
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      S3RVER_PATH: createRequire(import.meta.url).resolve('s3rver'),
      S3RVER_OPTIONS: JSON.stringify(options),
    },
  });
  const hosts: string[] = [];
  child.on('message', (m: { host?: string }) => {
    if (m.host !== undefined) hosts.push(m.host);
  });
  const port = Number((await reply(child, (m) => 'port' in m)).port);
  const agent = new Agent({ keepAlive: true, lookup: loopbackLookup });
  let syncs = 0;
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    vhostEndpoint: `http://s3.${S3_TEST_DOMAIN}:${port}`,
    agent,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    async hosts() {
      // IPC is ordered, so once the sync echo is back every earlier request's host has arrived.
      const id = ++syncs;
      child.send({ sync: id });
      await reply(child, (m) => m.synced === id);
      return [...hosts];
    },
    async createBucket(name) {
      child.send({ bucket: name });
      await reply(child, (m) => m.created === name);
    },
    async stop() {
      agent.destroy();
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill();
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}
