import { parseArgs } from 'node:util';
import type { CliCommand } from '../../shared/host/cli/index.js';
import { invokeCommand } from '../../shared/host/cli/index.js';

/**
 * `opsfn sweep [--dry-run] [--json]`: drops, through the guard and audited, the `opsfn_restore_*`
 * scratch databases that backupVerify runs left behind past their deadline; it is backupVerify run
 * with `{ "sweep": true }`, so it obeys the kill switch and the rate limits like any run.
 */
export const sweepCommand: CliCommand = {
  name: 'sweep',
  usage: 'opsfn sweep     [--config F] [--dry-run] [--json]   drop scratch databases left behind by restore tests',
  run(runtime, args, io) {
    const { values } = parseArgs({
      args,
      options: { json: { type: 'boolean', default: false }, 'dry-run': { type: 'boolean', default: false } },
    });
    return invokeCommand(
      runtime,
      { function: 'backupVerify', dryRun: values['dry-run'], json: values.json, extra: { sweep: true } },
      io,
    );
  },
};
