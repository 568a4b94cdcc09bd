export * from './audit.js';
export * from './audited.js';
export * from './grpc-interceptor.js';
export * from './http.js';
export * from './policy.js';
export * from './roles.js';
export * from './token.js';
