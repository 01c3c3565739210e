export * from './sql-admin.js';
