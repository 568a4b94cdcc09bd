export { evaluateSignals, type SignalsEvalOptions, signalsEvalCommand, verdicts } from './command.js';
export { type DelayFigures, delayFigures, parseTripinfo, percentile, type TripRecord } from './tripinfo.js';
