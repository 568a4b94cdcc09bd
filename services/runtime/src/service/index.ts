export * from './event-time-clock.js';
export * from './infrastructure.js';
export * from './run.js';
export type * from './service.js';
export * from './start.js';
export * from './topics.js';
