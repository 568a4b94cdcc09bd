export * from './config.js';
export * from './model.js';
export * from './safety.js';
export { ADAPTIVE_DEFAULTS, type AdaptiveOptions } from './strategies/adaptive.js';
export type { MaxPressureOptions } from './strategies/max-pressure.js';
export type { WebsterOptions } from './strategies/webster.js';
export * from './strategy.js';
