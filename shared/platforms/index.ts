export * from './cloud-run-parse.js';
export * from './cloud-run-platform.js';
export * from './create-platform.js';
export * from './errors.js';
export * from './kubernetes-platform.js';
export * from './kubernetes-rollout.js';
export * from './service-platform.js';
