export * from './estate.js';
export * from './sections/autoscale.js';
export * from './sections/backups.js';
export * from './sections/certificates.js';
export * from './sections/drills.js';
export * from './sections/estate-common.js';
export * from './sections/rollback.js';
export * from './types.js';
