export * from './trigger.js';
