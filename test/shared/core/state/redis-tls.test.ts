import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyError } from '../../../../shared/core/errors/ops-error.js';
import { createStateStore } from '../../../../shared/core/state/create.js';
import type { StateStore } from '../../../../shared/core/state/state-store.js';
import { freePort, spawnTracked } from '../../../support/local-process.js';
import { type TestCert, TestPki } from '../../../support/tls-pki.js';

// A TLS-only Redis with a certificate from a private CA and an AUTH string, as Memorystore with in-transit
// encryption and AUTH is (the URL Terraform builds: rediss://:<auth string>@<host>:6378).
let pki: TestPki;
let ca: TestCert;
let url: string;
let stop: () => Promise<void>;

beforeAll(async () => {
  pki = new TestPki();
  ca = pki.issue({ name: 'ca', cn: 'opsfn Test Redis CA', key: pki.key('ca'), fromDays: -1, toDays: 30, ca: true });
  const leaf = pki.issue({
    name: 'redis',
    cn: '127.0.0.1',
    key: pki.key('redis'),
    issuer: ca,
    fromDays: -1,
    toDays: 30,
    sans: ['IP:127.0.0.1'],
  });
  const port = await freePort();
  const server = spawnTracked(
    'redis-server',
    [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--tls-cert-file',
      leaf.path,
      '--tls-key-file',
      leaf.key.path,
      '--tls-ca-cert-file',
      ca.path,
      '--tls-auth-clients',
      'no',
      '--requirepass',
      'memorystore-auth-string',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      pki.dir,
    ],
    `${pki.dir}/redis-run`,
  );
  stop = server.stop;
  url = `rediss://:memorystore-auth-string@127.0.0.1:${port}`;
  for (let i = 0; i < 100 && !/Ready to accept connections/.test(server.output()); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});
afterAll(async () => {
  await stop?.();
  pki?.cleanup();
});

const open = (env: Record<string, string>, redis = url): Promise<StateStore> =>
  createStateStore({ redis, prefix: `opsfn-tls-${process.pid}:` }, { secret: async () => '', env });

describe('the Redis state store over TLS', () => {
  it('verifies the server against the CA in OPSFN_REDIS_CA', async () => {
    const state = await open({ OPSFN_REDIS_CA: ca.pem });
    try {
      await state.put('probe', { ok: true }, 10_000);
      await expect(state.get('probe')).resolves.toEqual({ ok: true });
    } finally {
      await state.close();
    }
  });

  it('refuses a wrong AUTH string, naming the reply and not the string', async () => {
    const state = await open({ OPSFN_REDIS_CA: ca.pem }, url.replace('memorystore-auth-string', 'wrong'));
    try {
      const error = await state.get('probe').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DependencyError);
      expect((error as Error).message).toMatch(/^state store error: get "probe": WRONGPASS /);
      expect((error as Error).message).not.toContain('wrong@');
    } finally {
      await state.close();
    }
  });

  it('refuses a server whose certificate no trusted CA signed', async () => {
    const state = await open({});
    try {
      await expect(state.get('probe')).rejects.toBeInstanceOf(DependencyError);
    } finally {
      await state.close();
    }
  });

  it('refuses a CA with a redis:// URL, which would send the AUTH string in clear', async () => {
    await expect(open({ OPSFN_REDIS_CA: ca.pem }, 'redis://127.0.0.1:6379')).rejects.toThrow(
      /OPSFN_REDIS_CA is set but state\.redis is a redis:\/\/ URL/,
    );
  });
});
