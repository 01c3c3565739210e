export * from './job-process.js';
export * from './restore-load.js';
