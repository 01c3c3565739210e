export * from './metrics-mount.js';
export * from './ops-metrics.js';
