export * from './act.js';
