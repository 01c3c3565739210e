import type { CliCommand } from '../shared/cli/command.js';
import type { AnyFunction } from '../shared/runtime/runtime.js';
import { backupVerify } from './backup-verify/handler.js';
import { certExpiry } from './cert-expiry/handler.js';

/** Every ops function of opsfn, as served by `opsfn serve` and registered with functions-framework. */
export const functions: readonly AnyFunction[] = [backupVerify, certExpiry];

/** Extra `opsfn` subcommands contributed by functions. */
export const commands: readonly CliCommand[] = [];
