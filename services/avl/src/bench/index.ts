export { avlBenchCommand, percentile } from './command.js';
export { rawPingOfTrace } from './trace.js';
