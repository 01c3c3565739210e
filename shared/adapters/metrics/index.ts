export * from './cloud-monitoring-metrics.js';
export * from './fetch-json.js';
export * from './metrics-source.js';
export * from './probe-metrics.js';
export * from './prometheus-auth.js';
export * from './prometheus-metrics.js';
export * from './prometheus-query.js';
