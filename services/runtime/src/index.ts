export * from './config/config.js';
export * from './log/logger.js';
