export * from './actions.js';
export * from './backups.js';
export * from './certificates.js';
export * from './controls.js';
export * from './drills.js';
export * from './health.js';
export * from './item-table.js';
export * from './items.js';
