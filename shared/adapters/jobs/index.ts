export * from './local-jobs.js';
