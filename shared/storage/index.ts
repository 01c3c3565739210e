export * from './errors.js';
export * from './file-object-store.js';
export * from './object-key.js';
export * from './object-store.js';
export * from './open-object-store.js';
export * from './store-url.js';
