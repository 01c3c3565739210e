import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../../shared/host/cli/index.js';
import { ExitCodes, exitCodeOf, formatEnvelope } from '../../shared/host/cli/index.js';

const USAGE = 'opsfn release-pin <service> [--reason TEXT] [--dry-run] [--json]';

/**
 * `opsfn release-pin <service>`: runs the rollback function's release-pin action as a manual trigger, so the
 * health check, guard, audit trail and envelope are the same as over HTTP.
 */
export const releasePinCommand: CliCommand = {
  name: 'release-pin',
  usage: USAGE,
  async run(runtime, args, io) {
    // Strict: an unknown or mistyped flag (`--dryrun`) is a usage error, never dropped, which would act for real.
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        reason: { type: 'string', default: 'pin released from the CLI' },
        'dry-run': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
    const { reason, json, 'dry-run': dryRun } = values;
    if (positionals.length !== 1 || reason === '') {
      io.err(`usage: ${USAGE}\n`);
      return ExitCodes.usage;
    }
    const envelope = await runtime.invoke(
      'rollback',
      {
        kind: 'manual',
        id: `manual:${randomUUID()}`,
        payload: { action: 'release-pin', service: positionals[0], reason },
        caller: `cli:${io.env.USER ?? 'unknown'}`,
      },
      { dryRun, format: 'manual' },
    );
    io.out(json ? `${JSON.stringify(envelope)}\n` : `${formatEnvelope(envelope)}\n`);
    return exitCodeOf(envelope.outcome);
  },
};
