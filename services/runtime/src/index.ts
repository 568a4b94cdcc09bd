export * from './access/index.js';
export * from './bus/index.js';
export * from './config/config.js';
export * from './grpc/index.js';
export * from './log/logger.js';
export * from './telemetry/index.js';
