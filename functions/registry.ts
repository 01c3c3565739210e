import type { FunctionDescriptor } from './catalogue.js';

/**
 * Every ops function of opsfn, in the order they are served and registered with functions-framework.
 * A new function adds its entry here (see "Adding a function" in the README).
 */
export const registry: readonly FunctionDescriptor[] = [
  {
    name: 'backupVerify',
    folder: 'backup-verify',
    configKey: 'backups',
    flags: [{ flag: 'self-test', field: 'selfTest', type: 'boolean' }],
    commands: [
      {
        name: 'sweep',
        usage:
          'opsfn sweep     [--config F] [--dry-run] [--json]   drop scratch databases left behind by restore tests',
      },
    ],
    config: async () => (await import('./backup-verify/config.js')).backupVerifySection,
    definition: async () => (await import('./backup-verify/handler.js')).backupVerify,
    loadCommands: async () => [(await import('./backup-verify/index.js')).sweepCommand],
  },
  {
    name: 'certExpiry',
    folder: 'cert-expiry',
    configKey: 'certificates',
    config: async () => (await import('./cert-expiry/config.js')).certExpirySection,
    definition: async () => (await import('./cert-expiry/handler.js')).certExpiry,
  },
  {
    name: 'autoscale',
    folder: 'autoscale',
    configKey: 'autoscale',
    config: async () => (await import('./autoscale/config.js')).autoscaleSection,
    definition: async () => (await import('./autoscale/handler.js')).autoscale,
  },
  {
    name: 'rollback',
    folder: 'rollback',
    configKey: 'rollback',
    commands: [{ name: 'release-pin', usage: 'opsfn release-pin <service> [--reason TEXT] [--dry-run] [--json]' }],
    config: async () => (await import('./rollback/config.js')).rollbackSection,
    definition: async () => (await import('./rollback/handler.js')).rollback,
    loadCommands: async () => [(await import('./rollback/index.js')).releasePinCommand],
  },
  {
    name: 'drDrill',
    folder: 'dr-drill',
    configKey: 'drills',
    reads: ['backups'],
    flags: [{ flag: 'plan', field: 'plan', type: 'string', value: 'NAME' }],
    config: async () => (await import('./dr-drill/config.js')).drDrillSection,
    definition: async () => (await import('./dr-drill/handler.js')).drDrill,
  },
  {
    name: 'healthSweep',
    folder: 'health-sweep',
    configKey: 'health',
    config: async () => (await import('./health-sweep/config.js')).healthSweepSection,
    definition: async () => (await import('./health-sweep/handler.js')).healthSweep,
  },
];
