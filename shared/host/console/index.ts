export * from './console-server.js';
export * from './page.js';
