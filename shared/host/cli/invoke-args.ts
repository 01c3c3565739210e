import { parseArgs } from 'node:util';
import type { InvokeFlag } from '../../core/run/index.js';
import type { CliFunctionEntry } from './catalogue.js';
import { COMMON_OPTIONS } from './command.js';
import { UsageError } from './exit-codes.js';

/** Options of `opsfn invoke`. */
export interface InvokeArgs {
  function: string;
  event?: string;
  payload?: string;
  dryRun: boolean;
  json: boolean;
  /** Extra payload fields from the function's own flags (`--self-test`, `--plan NAME`). */
  extra: Record<string, unknown>;
}

const INVOKE_OPTIONS = {
  ...COMMON_OPTIONS,
  event: { type: 'string' },
  payload: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
} as const;

const optionsOf = (flags: readonly InvokeFlag[]) => Object.fromEntries(flags.map((f) => [f.flag, { type: f.type }]));

/** Parses `opsfn invoke <function> …`: the common flags and those the named function declares. */
export function parseInvokeArgs(
  argv: string[],
  functions: readonly CliFunctionEntry[],
): { config?: string; log?: string; args: InvokeArgs } {
  // Every function's flags are known to this first pass, so a flag's value is never taken for the function's name.
  const every = optionsOf(functions.flatMap((f) => f.flags ?? []));
  const [name] = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { ...every, ...INVOKE_OPTIONS },
  }).positionals;
  if (!name) throw new UsageError('invoke: name the function (e.g. opsfn invoke backupVerify)');
  const flags = functions.find((f) => f.name === name)?.flags ?? [];
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...optionsOf(flags), ...INVOKE_OPTIONS },
  });
  // A word the command does not take (a flag after `--`, a second function) is refused, never ignored: an ignored
  // `--dry-run` would run for real.
  if (positionals.length > 1)
    throw new UsageError(
      `invoke: unexpected ${positionals
        .slice(1)
        .map((p) => JSON.stringify(p))
        .join(' ')}`,
    );
  if (
    values.event !== undefined &&
    (values.payload !== undefined || flags.some((f) => values[f.flag as keyof typeof values] !== undefined))
  )
    throw new UsageError('invoke: --event replays a request as it came; give it alone, without --payload or flags');
  const set = values as Record<string, string | boolean | undefined>;
  const extra = Object.fromEntries(
    flags.filter((f) => set[f.flag] !== undefined && set[f.flag] !== '').map((f) => [f.field, set[f.flag]]),
  );
  return {
    ...(values.config ? { config: values.config } : {}),
    ...(values.log ? { log: values.log } : {}),
    args: {
      function: name,
      dryRun: values['dry-run'],
      json: values.json,
      extra,
      ...(values.event ? { event: values.event } : {}),
      ...(values.payload ? { payload: values.payload } : {}),
    },
  };
}

/** One usage line per function that declares `invoke` flags. */
export function invokeUsage(functions: readonly CliFunctionEntry[]): string {
  return functions
    .filter((f) => (f.flags ?? []).length > 0)
    .map((f) => {
      const flags = (f.flags ?? []).map((x) => `[--${x.flag}${x.type === 'string' ? ` ${x.value ?? 'VALUE'}` : ''}]`);
      return `  opsfn invoke    ${f.name} ${flags.join(' ')}\n`;
    })
    .join('');
}
