import type { CliCommand } from '../shared/host/cli/index.js';
import type { AnyFunction } from '../shared/host/runtime/index.js';
import { autoscale } from './autoscale/handler.js';
import { backupVerify } from './backup-verify/handler.js';
import { certExpiry } from './cert-expiry/handler.js';
import { drDrill } from './dr-drill/handler.js';
import { healthSweep } from './health-sweep/handler.js';
import { rollback } from './rollback/handler.js';
import { releasePinCommand } from './rollback/index.js';

/** Every ops function of opsfn, as served by `opsfn serve` and registered with functions-framework. */
export const functions: readonly AnyFunction[] = [backupVerify, certExpiry, autoscale, rollback, drDrill, healthSweep];

/** Extra `opsfn` subcommands contributed by functions. */
export const commands: readonly CliCommand[] = [releasePinCommand];
