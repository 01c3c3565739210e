import type { SecretRef } from '../../core/config/index.js';
import type { HttpReply } from './http-reply.js';
import type { Runtime } from './runtime.js';

type Check = 'ok' | 'unavailable' | 'unusable';

/** Every secret the HTTP entry points check credentials against. */
function authSecrets(runtime: Runtime): SecretRef[] {
  const tokens = runtime.config.auth?.tokens ?? [];
  return tokens.map((entry) => ('name' in entry ? entry.token : entry));
}

async function stateCheck(runtime: Runtime): Promise<Check> {
  try {
    await runtime.state.ping();
    return 'ok';
  } catch {
    return 'unavailable';
  }
}

async function authCheck(runtime: Runtime): Promise<{ check: Check; unresolved: string[] }> {
  const unresolved: string[] = [];
  for (const ref of authSecrets(runtime)) {
    try {
      await runtime.secret(ref);
    } catch {
      unresolved.push('env' in ref ? `env ${ref.env}` : `secret ${ref.secret}`);
    }
  }
  return { check: unresolved.length === 0 ? 'ok' : 'unusable', unresolved };
}

/**
 * `GET /readyz`: 200 when the state store answers, every configured credential secret resolves and the
 * instance is not draining, 503 otherwise. The reply says which check failed; which secret is missing goes to the log only.
 */
export async function readiness(runtime: Runtime): Promise<HttpReply> {
  const [state, auth] = await Promise.all([stateCheck(runtime), authCheck(runtime)]);
  if (auth.unresolved.length > 0) {
    runtime.logger('readyz').warn('credential secrets cannot be read; callers presenting them are refused', {
      unresolved: auth.unresolved,
    });
  }
  // A draining replica takes no new work: out of rotation while running work finishes.
  const ready = state === 'ok' && auth.check === 'ok' && !runtime.draining;
  return {
    status: ready ? 200 : 503,
    body: {
      status: ready ? 'ready' : 'unready',
      checks: { state, auth: auth.check, ...(runtime.draining ? { draining: true } : {}) },
    },
    ...(ready ? {} : { headers: { 'retry-after': '10' } }),
  };
}

/** The `/readyz` reply of an instance whose config or runtime could not be built. */
export function unusableConfig(): HttpReply {
  return {
    status: 503,
    body: { status: 'unready', checks: { config: 'unusable' } },
    headers: { 'retry-after': '10' },
  };
}
