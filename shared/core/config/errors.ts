import { BadInputError } from '../errors/index.js';

/** An estate config that cannot be read or does not validate; `issues` are `path: expectation` lines. */
export class ConfigError extends BadInputError {
  override readonly name: string = 'ConfigError';
  readonly source: string;
  readonly issues: string[];

  constructor(source: string, issues: string[], options: { cause?: unknown } = {}) {
    super(`${source}: invalid config\n${issues.map((i) => `  - ${i}`).join('\n')}`, {
      ...options,
      details: { source, issues },
    });
    this.source = source;
    this.issues = issues;
  }
}
