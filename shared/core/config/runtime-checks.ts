/**
 * What a config validation asked of the runtime rather than the document: whether a time zone exists (its ICU
 * data) and whether a pattern compiles (its regular-expression engine, whose syntax grows with V8: `(?i:…)`
 * compiles on newer Node only). The rest of validation is the schema's own code and gives the same answer on
 * every Node. A bundle carrying its estate validated records these and a start on another runtime asks again.
 */
export interface RuntimeChecks {
  zones: string[];
  patterns: string[];
}

let observed: { zones: Set<string>; patterns: Set<string> } | undefined;

/** Notes one question a check asked the runtime, while {@link runtimeChecksOf} runs. */
export function noteRuntimeCheck(kind: keyof RuntimeChecks, value: string): void {
  observed?.[kind].add(value);
}

/** Runs `run` and returns, besides its value, what it asked the runtime ({@link RuntimeChecks}), sorted. */
export function runtimeChecksOf<T>(run: () => T): RuntimeChecks & { value: T } {
  const outer = observed;
  const mine = { zones: new Set<string>(), patterns: new Set<string>() };
  observed = mine;
  try {
    return { value: run(), zones: [...mine.zones].sort(), patterns: [...mine.patterns].sort() };
  } finally {
    observed = outer;
    for (const zone of mine.zones) outer?.zones.add(zone);
    for (const pattern of mine.patterns) outer?.patterns.add(pattern);
  }
}

/** Whether this runtime's engine compiles `source` as a regular expression. */
export function compiles(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
