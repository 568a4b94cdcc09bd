export { replayBenchCommand } from './bench.js';
export { kpiCommand } from './kpi.js';
export { replayCommand } from './replay.js';
