import type { GoogleAuthClient } from './auth.js';
import { boundedCall, type CallBounds, type CallKind, methodOptions } from './call.js';
import { clientRootUrl } from './endpoint.js';
import { failureOfError, type GoogleFailure, googleError } from './errors.js';

/** The answer of a googleapis method, of which the kit reads only `data`. */
export interface MethodAnswer<T> {
  data: T;
}

/** One googleapis method call: the client and the per-request options to pass it. */
export type MethodCall<C, T> = (client: C, request: ReturnType<typeof methodOptions>) => Promise<MethodAnswer<T>>;

/** A googleapis client whose every call is bounded, retried only when it reads, and mapped to OpsErrors. */
export interface GoogleApi<C> {
  /** Calls `method` on the resource `on` (named in errors); retried within the bounds. */
  read<T>(method: string, on: string, call: MethodCall<C, T>, signal?: AbortSignal): Promise<T>;
  /** Calls `method` on the resource `on` (named in errors) once. */
  write<T>(method: string, on: string, call: MethodCall<C, T>, signal?: AbortSignal): Promise<T>;
}

/** Where a kit client of a googleapis API sends its calls, how it signs them and how long each may take. */
export interface GoogleClientOptions extends CallBounds {
  /** API root (Google's by default); only scheme://host:port is used, as the googleapis clients drop a path. */
  rootUrl?: string | undefined;
  /** The client to sign with, asked for on the first call; undefined sends no credentials. */
  auth: () => Promise<GoogleAuthClient | undefined>;
  /** Aborts every call (a run's signal); a call may add its own. */
  signal?: AbortSignal | undefined;
}

/** What a googleapis client factory (`run({ version, ...settings })`) is given. */
export interface ClientSettings {
  rootUrl?: string;
  auth?: never;
}

/** Options of {@link googleApi}. */
export interface GoogleApiOptions extends GoogleClientOptions {
  /** Names the API in errors: `Cloud Run projects/…/services/web: services.get failed: HTTP 404: …`. */
  api: string;
  /** A note added to an error's message, for an API whose statuses need one (SQL Admin's 403). */
  annotate?: (failure: GoogleFailure, method: string) => string | undefined;
}

/**
 * Wraps a googleapis client that `build` makes on the first call, once its package is imported and the
 * credentials are known (a failed build is tried again next call), so the library is loaded only by a run
 * that calls the API.
 */
export function googleApi<C>(build: (settings: ClientSettings) => Promise<C>, options: GoogleApiOptions): GoogleApi<C> {
  let client: Promise<C> | undefined;
  const load = async () => {
    const rootUrl = clientRootUrl(options.rootUrl);
    const auth = await options.auth();
    return build({ ...(rootUrl ? { rootUrl } : {}), ...(auth ? { auth: auth as never } : {}) });
  };
  const loaded = () => {
    if (client) return client;
    const loading = load();
    client = loading;
    loading.catch(() => {
      if (client === loading) client = undefined;
    });
    return loading;
  };
  const mapError = (method: string) => (error: unknown, label: string) => {
    const failure = failureOfError(error);
    const note = options.annotate?.(failure, method);
    return googleError(label, note ? { ...failure, message: `${failure.message}: ${note}` } : failure, error);
  };
  const call = async <T>(kind: CallKind, method: string, on: string, fn: MethodCall<C, T>, signal?: AbortSignal) => {
    const api = await loaded();
    const signals = [options.signal, signal].filter((s): s is AbortSignal => s !== undefined);
    const answer = await boundedCall((attempt) => fn(api, methodOptions(attempt)), {
      ...options,
      label: `${options.api} ${on}: ${method} failed`,
      kind,
      signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
      mapError: mapError(method),
    });
    return answer.data;
  };
  return {
    read: (method, on, fn, signal) => call('read', method, on, fn, signal),
    write: (method, on, fn, signal) => call('write', method, on, fn, signal),
  };
}
