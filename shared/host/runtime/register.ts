import * as framework from '@google-cloud/functions-framework';
import { eventHandler, httpHandler, memoizeRuntime, type RuntimeLoader } from './framework.js';
import { loadConfig } from './load-config.js';
import { type AnyFunction, createRuntime } from './runtime.js';

/** The registration call of functions-framework that opsfn uses; tests hand in a recorder. */
export interface FrameworkRegistrar {
  http(name: string, handler: ReturnType<typeof httpHandler>): void;
}

/** Options of {@link registerFunctions}; the defaults are those of a deployed instance. */
export interface RegisterOptions {
  /** Builds the runtime on the first request; defaults to one built from `OPSFN_CONFIG`. */
  loadRuntime?: RuntimeLoader;
  registrar?: FrameworkRegistrar;
}

/**
 * The functions-framework target names of one function: its HTTP entry point and the one Eventarc
 * delivers CloudEvents to. Both use the HTTP signature, so opsfn reads every body itself, bounded,
 * after its checks (the framework's CloudEvent signature needs the body parsed before the handler).
 */
export function targetNames(definition: AnyFunction): { http: string; cloudEvent: string } {
  return { http: definition.name, cloudEvent: `${definition.name}Event` };
}

/**
 * Registers every definition with functions-framework as `http(<name>)` and `http(<name>Event)`,
 * all sharing one runtime built lazily on the first request, and returns that runtime's loader.
 */
export function registerFunctions(functions: readonly AnyFunction[], options: RegisterOptions = {}): RuntimeLoader {
  const seen = new Set<string>();
  for (const definition of functions) {
    if (seen.has(definition.name)) throw new Error(`function "${definition.name}" is registered twice`);
    seen.add(definition.name);
  }
  // Config is read on the first request, not at import: a bad config answers with an error instead of a crash loop.
  const loadRuntime =
    options.loadRuntime ?? memoizeRuntime(async () => createRuntime({ config: await loadConfig(), functions }));
  const registrar = options.registrar ?? framework;
  for (const definition of functions) {
    const names = targetNames(definition);
    registrar.http(names.http, httpHandler(definition, loadRuntime));
    registrar.http(names.cloudEvent, eventHandler(definition, loadRuntime));
  }
  return loadRuntime;
}
