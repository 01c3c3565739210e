import { randomUUID } from 'node:crypto';
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
    const json = args.includes('--json');
    const dryRun = args.includes('--dry-run');
    const at = args.indexOf('--reason');
    const reason = at === -1 ? 'pin released from the CLI' : args[at + 1];
    const positional = args.filter((a, i) => !a.startsWith('--') && (at === -1 || i !== at + 1));
    if (positional.length !== 1 || reason === undefined || reason === '') {
      io.err(`usage: ${USAGE}\n`);
      return ExitCodes.usage;
    }
    const envelope = await runtime.invoke(
      'rollback',
      {
        kind: 'manual',
        id: `manual:${randomUUID()}`,
        payload: { action: 'release-pin', service: positional[0], reason },
        caller: `cli:${io.env.USER ?? 'unknown'}`,
      },
      { dryRun, format: 'manual' },
    );
    io.out(json ? `${JSON.stringify(envelope)}\n` : `${formatEnvelope(envelope)}\n`);
    return exitCodeOf(envelope.outcome);
  },
};
