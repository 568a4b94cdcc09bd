export { parseBirminghamCsv } from './birmingham-csv.js';
export { parkingEvalCommand } from './command.js';
export {
  type HorizonResult,
  type MethodScore,
  type WalkForwardOptions,
  walkForward,
} from './walk-forward.js';
