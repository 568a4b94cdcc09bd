/** One occupancy reading as the forecasters see it: already quality-checked and clamped. */
export interface OccupancyObservation {
  /** epoch ms */
  at: number;
  occupied: number;
  capacity: number;
}

export interface Forecast {
  horizonMinutes: number;
  /** Point forecast, within [0, capacity]; NaN when a method has no basis for one (baselines only). */
  expectedOccupied: number;
  /** Lower end of the prediction interval, within [0, expectedOccupied]. */
  lower: number;
  /** Upper end of the prediction interval, within [expectedOccupied, capacity]. */
  upper: number;
  /** Nominal coverage of [lower, upper], e.g. 0.8; 0 for point-only methods (lower = upper = expected). */
  level: number;
  /** Which method produced the value (a fallback is named, so a consumer can tell a weak forecast). */
  method: string;
}

export interface Forecaster {
  /**
   * Forecasts occupancy at issuedAt + each horizon. Only observations with at <= issuedAt are used;
   * anything later in `history` is ignored, so a caller cannot leak the future by accident.
   * `history` should hold one facility, ascending by time (an unsorted array is sorted on a copy).
   */
  forecast(
    history: readonly OccupancyObservation[],
    issuedAt: number,
    horizonsMinutes: readonly number[],
  ): Forecast[];
}
