import { OAuth2Client } from 'google-auth-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGoogleAccess, type GoogleAccess, GoogleScopes } from '../../../../shared/adapters/google/auth.js';
import {
  authClientFor,
  endpointAuth,
  endpointSigner,
  signsRequests,
} from '../../../../shared/adapters/google/endpoint.js';
import { CloudMonitoring } from '../../../../shared/adapters/google/monitoring.js';
import { accessSecretVersion } from '../../../../shared/adapters/google/secret-manager.js';
import { DependencyError } from '../../../../shared/core/errors/ops-error.js';
import { RecordingServer } from '../../../fakes/recording-server.js';

function presetClient(token: string): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
  return client;
}

/** A GoogleAccess that fails the test if anything asks it for a client. */
const untouchable: GoogleAccess = {
  client: async () => expect.fail('asked for credentials'),
  headers: async () => expect.fail('asked for credentials'),
  accessToken: async () => expect.fail('asked for credentials'),
  idToken: async () => expect.fail('asked for credentials'),
};

describe('the credentials: none switch', () => {
  const fake = { url: 'http://127.0.0.1:9' };

  it('signs requests to every endpoint but one marked credentials: none', () => {
    expect(signsRequests(undefined)).toBe(true);
    expect(signsRequests(fake)).toBe(true);
    expect(signsRequests({ ...fake, credentials: 'none' })).toBe(false);
  });

  it('turns credentials: none into the auth option none, and otherwise keeps what it was given', () => {
    const client = presetClient('t');
    expect(endpointAuth({ ...fake, credentials: 'none' }, client)).toBe('none');
    expect(endpointAuth(fake, client)).toBe(client);
    expect(endpointAuth(undefined)).toBeUndefined();
  });

  it('asks for no credentials at all for none, uses a given client, and the default for the scope otherwise', async () => {
    const given = presetClient('t');
    await expect(authClientFor('none', untouchable, GoogleScopes.cloudPlatform)).resolves.toBeUndefined();
    await expect(authClientFor(given, untouchable, GoogleScopes.cloudPlatform)).resolves.toBe(given);
    const scopes: string[] = [];
    const access = {
      ...untouchable,
      client: async (scope?: string) => {
        scopes.push(String(scope));
        return given;
      },
    };
    await expect(endpointSigner(undefined, access, GoogleScopes.monitoringRead)()).resolves.toBe(given);
    await expect(endpointSigner({ ...fake, credentials: 'none' }, access)()).resolves.toBeUndefined();
    expect(scopes).toEqual([GoogleScopes.monitoringRead]);
  });

  it('sends no Authorization header to an endpoint marked credentials: none', async () => {
    const server = new RecordingServer(() => ({ status: 200, body: {} }));
    await server.start();
    try {
      const monitoring = new CloudMonitoring({ rootUrl: server.url, auth: 'none', access: untouchable });
      await monitoring.createTimeSeries('p1', [{ metric: { type: 'x' } }]);
      expect(server.requests[0]?.headers.authorization).toBeUndefined();
    } finally {
      await server.stop();
    }
  });
});

describe('createGoogleAccess', () => {
  it('builds one client per scope and hands out the same one each time', async () => {
    const access = createGoogleAccess();
    const read = await access.client(GoogleScopes.monitoringRead);
    expect(await access.client(GoogleScopes.monitoringRead)).toBe(read);
    expect(await access.client(GoogleScopes.monitoringWrite)).not.toBe(read);
    expect(await access.client()).toBe(await access.client(GoogleScopes.cloudPlatform));
  });

  it('uses a given client for every scope, for headers and access tokens', async () => {
    const client = presetClient('ya29.given');
    const access = createGoogleAccess({ client });
    expect(await access.client(GoogleScopes.storageRead)).toBe(client);
    expect(await access.headers()).toMatchObject({ authorization: 'Bearer ya29.given' });
    expect(await access.accessToken(GoogleScopes.storageRead)).toBe('ya29.given');
  });

  it('mints ID tokens through one ID-token client per audience', async () => {
    const audiences: string[] = [];
    const client = {
      getRequestHeaders: async () => ({}),
      getIdTokenClient: async (audience: string) => {
        audiences.push(audience);
        return { getRequestHeaders: async () => ({ authorization: `Bearer id-for-${audience}` }) };
      },
    };
    const access = createGoogleAccess({ client });
    expect(await access.idToken('https://a.run.app')).toBe('id-for-https://a.run.app');
    expect(await access.idToken('https://a.run.app')).toBe('id-for-https://a.run.app');
    expect(await access.idToken('https://b.run.app')).toBe('id-for-https://b.run.app');
    expect(audiences).toEqual(['https://a.run.app', 'https://b.run.app']);
  });

  it('reports credentials that cannot be used as a DependencyError, and tries again on the next call', async () => {
    let calls = 0;
    const client = {
      getRequestHeaders: async () => {
        calls++;
        throw new Error('Could not load the default credentials');
      },
    };
    const access = createGoogleAccess({ client });
    await expect(access.headers()).rejects.toBeInstanceOf(DependencyError);
    await expect(access.headers()).rejects.toThrow('Google credentials: Could not load the default credentials');
    await expect(access.idToken('https://a.run.app')).rejects.toThrow('cannot mint ID tokens');
    expect(calls).toBe(2);
  });
});

describe('Google APIs over REST', () => {
  let server: RecordingServer;
  beforeEach(async () => {
    server = new RecordingServer((r) =>
      r.path.endsWith(':access')
        ? { status: 200, body: { payload: { data: Buffer.from('s3cret').toString('base64') } } }
        : { status: 200, body: { timeSeries: [{ metric: { type: 'x' } }] } },
    );
    await server.start();
  });
  afterEach(() => server.stop());

  it('reads a Secret Manager version with the access token of the cloud-platform client', async () => {
    const access = createGoogleAccess({ client: presetClient('ya29.sm') });
    const name = 'projects/p1/secrets/db/versions/3';
    expect(await accessSecretVersion(name, { access, rootUrl: server.url })).toBe('s3cret');
    expect(server.requests[0]?.path).toBe(`/v1/${name}:access`);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer ya29.sm');
  });

  it('reads time series with the given client', async () => {
    const monitoring = new CloudMonitoring({ rootUrl: server.url, auth: presetClient('ya29.mon') });
    const series = await monitoring.listTimeSeries('p1', new URLSearchParams({ filter: 'x' }));
    expect(series).toEqual([{ metric: { type: 'x' } }]);
    expect(server.requests[0]?.query.get('filter')).toBe('x');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer ya29.mon');
  });
});
