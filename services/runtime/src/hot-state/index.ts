export type { HotState, HotStateOptions, SetOptions } from './hot-state.js';
export { createMemoryHotState, type MemoryHotStateOptions } from './memory.js';
export { createRedisHotState } from './redis.js';
