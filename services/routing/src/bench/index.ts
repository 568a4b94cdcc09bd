export { routingBenchCommand } from './command.js';
export {
  buildReference,
  type ReferenceEnd,
  type ReferenceNetwork,
  type ReferenceQuery,
  referenceArrivals,
} from './reference.js';
export { SYNTHETIC_DATE, type SyntheticOptions, syntheticFeed } from './synthetic.js';
