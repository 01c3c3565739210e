/**
 * `given`, or what `load` makes, made once and on the first call: a function's production dependencies (clients,
 * credentials), which its `handler.ts` builds on the first run rather than at a cold start. A load that fails is
 * tried again by the next call.
 */
export function depsOnFirstRun<D>(given: D | undefined, load: () => Promise<D>): () => Promise<D> {
  let loaded: Promise<D> | undefined;
  return () => {
    if (given !== undefined) return Promise.resolve(given);
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
}
