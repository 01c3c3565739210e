export * from './client-address.js';
export * from './console-server.js';
export * from './page.js';
