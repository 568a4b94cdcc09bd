export * from './client.js';
export * from './errors.js';
export * from './handlers.js';
export * from './health.js';
export * from './server.js';
