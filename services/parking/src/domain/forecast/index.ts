export {
  type BaselineOptions,
  createPersistenceForecaster,
  createProfileBaselineForecaster,
  createSeasonalNaiveForecaster,
  type ProfileBaselineOptions,
  type SeasonalNaiveOptions,
} from './baselines.js';
export { fixedOffsetClock, type LocalClock, type LocalTime, timeZoneClock } from './clock.js';
export { createForecaster, type ForecasterOptions } from './model.js';
export { knownAt } from './series.js';
export type { Forecast, Forecaster, OccupancyObservation } from './types.js';
