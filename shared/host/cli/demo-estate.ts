import type { Runtime } from '../runtime/index.js';

/** A demo estate `opsfn serve --demo` serves when no `--config` names a real one. */
export interface DemoEstate {
  /** The estate file the demo wrote. */
  config: string;
  /** Environment variables its config refers to (the demo's tokens). */
  env: Record<string, string>;
  /** Lines for the operator: where it lives, how to sign in. */
  banner: string[];
  /** Called once the server listens: the demo's first runs. */
  started(runtime: Runtime, log: (line: string) => void): void;
  stop(): Promise<void>;
}

/** Builds the demo estate under a directory. */
export type DemoStarter = (dir: string) => Promise<DemoEstate>;
