import * as framework from '@google-cloud/functions-framework';
import { compileCacheAtStart } from './compile-cache.js';
import { eventHandler, httpHandler, memoizeRuntime, type RuntimeLoader } from './framework.js';
import { type EstateSchemaSource, loadConfig, type ValidatedEstate } from './load-config.js';
import { type AnyFunction, createRuntime } from './runtime.js';

/** The registration call of functions-framework that opsfn uses; tests hand in a recorder. */
export interface FrameworkRegistrar {
  http(name: string, handler: ReturnType<typeof httpHandler>): void;
}

/** Options of {@link registerFunctions}; the defaults are those of a deployed instance. */
export interface RegisterOptions {
  /**
   * The estate schema composed from the function registry; what `OPSFN_CONFIG` is validated against. A bundle
   * gives how to import it, so a start whose config is the `validated` estate never loads it.
   */
  estate?: EstateSchemaSource;
  /**
   * The estate validated against `estate` when the bundle was built: a config with the same document is not
   * validated again at start (see `ValidatedEstate`).
   */
  validated?: ValidatedEstate;
  /**
   * Builds the runtime; defaults to one built from `OPSFN_CONFIG` and `estate`. Registered memoized: every
   * target shares the one it builds, and a failed build is tried again by the next request.
   */
  loadRuntime?: RuntimeLoader;
  registrar?: FrameworkRegistrar;
  /**
   * Starts building the runtime on the next turn of the event loop instead of on the first request, and then
   * opens its state store's connection, so reading and checking the config and connecting to Redis overlap the
   * framework's start and the request's way in (the bundles do). A failure is not kept: the first request builds
   * again and answers with the error, and a run whose state store is unreachable runs as it would without warm.
   */
  warm?: boolean;
}

/**
 * The functions-framework target names of one function: its HTTP entry point and the one Eventarc
 * delivers CloudEvents to. Both use the HTTP signature, so opsfn reads every body itself, bounded,
 * after its checks (the framework's CloudEvent signature needs the body parsed before the handler).
 */
export function targetNames(definition: AnyFunction): { http: string; cloudEvent: string } {
  return { http: definition.name, cloudEvent: `${definition.name}Event` };
}

// Config is read after import (on the first request, or just before it when warm), never during it: a bad config
// answers with an error instead of a crash loop.
function deployedRuntime(
  functions: readonly AnyFunction[],
  estate: EstateSchemaSource | undefined,
  validated: ValidatedEstate | undefined,
): RuntimeLoader {
  if (!estate) throw new Error('registerFunctions needs the estate schema (or loadRuntime) to load the config');
  return async () => {
    // Right after import (warm): the startup files are compiled, the config not read yet.
    const cache = compileCacheAtStart();
    let matched: string | undefined;
    let missed: string | undefined;
    const onValidated = (digest: string) => {
      matched = digest;
    };
    const onNotValidated = (why: string) => {
      missed = why;
    };
    const config = await loadConfig(estate, undefined, validated ? { validated, onValidated, onNotValidated } : {});
    const runtime = await createRuntime({ config, functions });
    const log = runtime.logger('runtime');
    if (matched) {
      log.info('the config is the estate validated when this bundle was built: not validated again', {
        digest: matched,
      });
    }
    if (missed) log.info(`the config was validated at start: ${missed}`);
    if (cache) {
      const { message, ...fields } = cache;
      log.info(message, fields);
    }
    return runtime;
  };
}

/**
 * Registers every definition with functions-framework as `http(<name>)` and `http(<name>Event)`,
 * all sharing one runtime built on the first request (or, `warm`, right after import), and returns that
 * runtime's loader.
 */
export function registerFunctions(functions: readonly AnyFunction[], options: RegisterOptions = {}): RuntimeLoader {
  const seen = new Set<string>();
  for (const definition of functions) {
    if (seen.has(definition.name)) throw new Error(`function "${definition.name}" is registered twice`);
    seen.add(definition.name);
  }
  const loadRuntime = memoizeRuntime(
    options.loadRuntime ?? deployedRuntime(functions, options.estate, options.validated),
  );
  const registrar = options.registrar ?? framework;
  for (const definition of functions) {
    const names = targetNames(definition);
    registrar.http(names.http, httpHandler(definition, loadRuntime));
    registrar.http(names.cloudEvent, eventHandler(definition, loadRuntime));
  }
  // Swallowed here only: the memoized loader forgets a failed build, so the request that needs it sees the error,
  // and a state store that cannot be reached yet is tried again by the first run's own check.
  if (options.warm)
    setImmediate(() =>
      loadRuntime()
        .then((runtime) => runtime.state.ping())
        .catch(() => undefined),
    );
  return loadRuntime;
}
