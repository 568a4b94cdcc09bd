export { avlEvalCommand, evaluateTrace } from './command.js';
export { parsePingTrace, TraceFormatError, type TracePing } from './pings-csv.js';
export { actualStopTimes, type ReplayOptions, type ReplayResult, replayTrace } from './replay.js';
export { AccuracyTally, MBTA_BINS, mbtaBinIndex, withinCalItp, withinMbta } from './score.js';
