// Small domain-neutral helpers shared by services; a light entry point (`@mobility/runtime/util`)
// that loads none of the kit's infrastructure.
export { type Clock, createManualClock, createScaledClock, type ManualClock, systemClock } from './clock.js';
export * from './geo.js';
export * from './random.js';
export * from './time-zone.js';
