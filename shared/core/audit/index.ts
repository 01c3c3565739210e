export * from './logger.js';
export * from './record.js';
export * from './redactor.js';
export * from './trace.js';
