import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Trigger } from '../../core/events/index.js';
import { parseRequest } from '../../core/events/index.js';
import type { InvokeFlag, ResultEnvelope } from '../../core/run/index.js';
import type { AnyFunction, Runtime } from '../runtime/index.js';
import { COMMON_OPTIONS } from './command.js';
import { exitCodeOf, UsageError } from './exit-codes.js';
import { formatEnvelope } from './format.js';
import { type CliIo, progressPrinter } from './io.js';

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
  functions: readonly AnyFunction[],
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
  const { values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...optionsOf(flags), ...INVOKE_OPTIONS },
  });
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
export function invokeUsage(functions: readonly AnyFunction[]): string {
  return functions
    .filter((f) => (f.flags ?? []).length > 0)
    .map((f) => {
      const flags = (f.flags ?? []).map((x) => `[--${x.flag}${x.type === 'string' ? ` ${x.value ?? 'VALUE'}` : ''}]`);
      return `  opsfn invoke    ${f.name} ${flags.join(' ')}\n`;
    })
    .join('');
}

async function triggersFrom(
  args: InvokeArgs,
  io: CliIo,
  runtime: Runtime,
): Promise<{ triggers: Trigger[]; format: string }> {
  if (args.event !== undefined) {
    const body = args.event === '-' ? await io.stdin() : await readFile(args.event);
    const intake = parseRequest(
      { method: 'POST', path: `/${args.function}`, headers: { 'content-type': 'application/json' }, body },
      { newId: randomUUID, now: () => runtime.now() },
    );
    return { triggers: intake.triggers, format: intake.format };
  }
  let payload: Record<string, unknown> = {};
  if (args.payload !== undefined) {
    const parsed: unknown = JSON.parse(args.payload);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new UsageError('--payload must be a JSON object');
    payload = parsed as Record<string, unknown>;
  }
  return {
    triggers: [
      {
        kind: 'manual',
        id: `cli:${randomUUID()}`,
        payload: { ...payload, ...args.extra },
        caller: `cli:${io.env.USER ?? 'local'}`,
      },
    ],
    format: 'manual',
  };
}

/** `opsfn invoke`: runs one function in the foreground; `--json` prints the envelope alone on stdout. */
export async function invokeCommand(runtime: Runtime, args: InvokeArgs, io: CliIo): Promise<number> {
  runtime.find(args.function);
  const { triggers, format } = await triggersFrom(args, io, runtime);
  const progress = progressPrinter(io);
  const envelopes: ResultEnvelope[] = [];
  for (const trigger of triggers) {
    envelopes.push(
      await runtime.invoke(args.function, trigger, {
        dryRun: args.dryRun,
        format,
        ...(args.json ? {} : { onProgress: progress }),
      }),
    );
  }
  if (io.tty && !args.json) io.err('\r\x1b[2K');
  if (args.json) io.out(`${JSON.stringify(envelopes.length === 1 ? envelopes[0] : { results: envelopes }, null, 2)}\n`);
  else for (const envelope of envelopes) io.out(formatEnvelope(envelope));
  return Math.max(...envelopes.map((e) => exitCodeOf(e.outcome)));
}
