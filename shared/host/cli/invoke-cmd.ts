import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Trigger } from '../../core/events/index.js';
import type { ResultEnvelope } from '../../core/run/index.js';
import type { Runtime } from '../runtime/index.js';
import { ExitCodes, exitCodeOf, UsageError } from './exit-codes.js';
import { formatEnvelope } from './format.js';
import type { InvokeArgs } from './invoke-args.js';
import { type CliIo, progressPrinter } from './io.js';

async function triggersFrom(
  args: InvokeArgs,
  io: CliIo,
  runtime: Runtime,
): Promise<{ triggers: Trigger[]; format: string; rejected: string[] }> {
  if (args.event !== undefined) {
    const body = args.event === '-' ? await io.stdin() : await readFile(args.event);
    const { parseRequest } = await import('../../core/events/index.js');
    const intake = parseRequest(
      { method: 'POST', path: `/${args.function}`, headers: { 'content-type': 'application/json' }, body },
      { newId: randomUUID, now: () => runtime.now() },
    );
    // An alert of the batch that could not be read is refused in words and audited, as over HTTP.
    const rejected = intake.rejected ?? [];
    for (const why of rejected) {
      runtime.reject(args.function, `refused one alert of the batch: ${why}`, { format: intake.format });
      io.err(`opsfn: ${args.function}: refused one alert of the batch: ${why}\n`);
    }
    return { triggers: intake.triggers, format: intake.format, rejected };
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
    rejected: [],
  };
}

/** The exit code of a command a signal stopped: 128 + its number, as a shell reports it. */
const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * `opsfn invoke`: runs one function in the foreground; `--json` prints the envelope alone on stdout. Ctrl-C (or
 * SIGTERM) stops the run as a shutdown does: it is aborted, what it holds (locks, its claim) is released and the stop
 * audited, handed-over jobs are stopped, and the exit is 130 (143); a second signal stops the process at once.
 */
export async function invokeCommand(runtime: Runtime, args: InvokeArgs, io: CliIo): Promise<number> {
  runtime.find(args.function);
  let stopped: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    if (stopped) process.exit(SIGNAL_EXIT[signal]);
    stopped = signal;
    io.err(`\nopsfn: ${signal}: stopping ${args.function} and releasing what it holds (again to stop at once)\n`);
    // The command then returns without waiting for handed-over work; closing the runtime stops its job processes.
    void runtime.drain({ graceMs: 0, abortGraceMs: 5_000 });
  };
  const handlers = { SIGINT: () => onSignal('SIGINT'), SIGTERM: () => onSignal('SIGTERM') };
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  try {
    const code = await invokeRuns(runtime, args, io, () => stopped !== undefined);
    return stopped ? SIGNAL_EXIT[stopped] : code;
  } finally {
    for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler);
  }
}

async function invokeRuns(runtime: Runtime, args: InvokeArgs, io: CliIo, stopped: () => boolean): Promise<number> {
  const { triggers, format, rejected } = await triggersFrom(args, io, runtime);
  const progress = progressPrinter(io);
  const envelopes: ResultEnvelope[] = [];
  for (const trigger of triggers) {
    envelopes.push(
      await runtime.invoke(args.function, trigger, {
        dryRun: args.dryRun,
        format,
        // The person at the terminal decides what to do after a stop: a later start must not run it unasked.
        redeliver: false,
        ...(args.json ? {} : { onProgress: progress }),
      }),
    );
  }
  // Work the run handed to later invocations of this process (a restore loading as a local job, a drill past
  // one invocation's bound) is waited for: the verdict a person at the terminal asked for is theirs.
  if (!args.json && !stopped() && envelopes.some((e) => e.accepted))
    progress(`${args.function}: waiting for the work it handed over`);
  if (!stopped()) envelopes.push(...(await runtime.settled()));
  if (io.tty && !args.json) io.err('\r\x1b[2K');
  if (args.json) io.out(`${JSON.stringify(envelopes.length === 1 ? envelopes[0] : { results: envelopes }, null, 2)}\n`);
  else for (const envelope of envelopes) io.out(formatEnvelope(envelope));
  // A batch with a refused alert is not a success, whatever the others did.
  return Math.max(...envelopes.map((e) => exitCodeOf(e.outcome)), rejected.length > 0 ? ExitCodes.usage : 0);
}
