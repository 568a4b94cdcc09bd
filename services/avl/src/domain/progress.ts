import type { ScheduledStop } from './network.js';

/** Metres past the first stop that count as having left it (GPS noise at a layover is ~10-20 m). */
export const DEPARTURE_MARGIN_M = 30;
/** Crossings interpolated over a longer silence than this are too vague to learn from or score. */
export const MAX_INTERPOLATION_MS = 10 * 60_000;

/**
 * A vehicle's progress along one trip: distance along the shape that never goes back (GPS noise at a
 * stop jitters the projection by metres), and the instant it reached each stop, interpolated between
 * the two pings around the stop's distance. While the vehicle stands still, the "last time at this
 * distance" moves forward, so a dwell is never smeared into the interpolation.
 */
export class TripProgress {
  /** Furthest distance reached, metres along the shape; NaN before the first sample. */
  distM = Number.NaN;
  /** Time the vehicle was last known at distM. */
  atMs = Number.NaN;
  /** Time of the first sample. */
  firstMs = Number.NaN;
  /** Index of the last stop reached (its distance <= distM); -1 before the first stop. */
  passedIndex = -1;
  /** Epoch ms when the vehicle reached each stop (NaN when unknown: before the first sample). */
  readonly arrivals: Float64Array;
  /** Length of the interpolation span behind each arrival, ms. */
  readonly spans: Float64Array;
  /** When the vehicle left the first stop (passed it by DEPARTURE_MARGIN_M); NaN until then. */
  departedFirstMs = Number.NaN;
  /** True when the first sample was at (or before) the first stop, so its departure is observable. */
  sawFirstStop = false;

  constructor(private readonly stops: readonly ScheduledStop[]) {
    this.arrivals = new Float64Array(stops.length).fill(Number.NaN);
    this.spans = new Float64Array(stops.length).fill(Number.NaN);
  }

  /** Records a sample; returns the indices of stops reached since the previous one. */
  update(atMs: number, distM: number): number[] {
    const reached: number[] = [];
    const firstStop = this.stops[0] as ScheduledStop;
    if (Number.isNaN(this.distM)) {
      this.distM = distM;
      this.atMs = atMs;
      this.firstMs = atMs;
      this.sawFirstStop = distM < firstStop.distM + DEPARTURE_MARGIN_M;
      while (
        this.passedIndex + 1 < this.stops.length &&
        (this.stops[this.passedIndex + 1] as ScheduledStop).distM <= distM
      ) {
        this.passedIndex++;
      }
      return reached;
    }
    if (atMs < this.atMs) return reached;
    if (distM > this.distM) {
      const span = atMs - this.atMs;
      const interpolate = (target: number) =>
        this.atMs + (span * (target - this.distM)) / (distM - this.distM);
      const departAt = firstStop.distM + DEPARTURE_MARGIN_M;
      if (
        this.sawFirstStop &&
        Number.isNaN(this.departedFirstMs) &&
        distM >= departAt &&
        this.distM < departAt
      ) {
        this.departedFirstMs = interpolate(departAt);
      }
      while (this.passedIndex + 1 < this.stops.length) {
        const next = this.stops[this.passedIndex + 1] as ScheduledStop;
        if (next.distM > distM) break;
        this.passedIndex++;
        if (next.distM > this.distM) {
          this.arrivals[this.passedIndex] = interpolate(next.distM);
          this.spans[this.passedIndex] = span;
          reached.push(this.passedIndex);
        }
      }
      this.distM = distM;
    }
    this.atMs = atMs;
    return reached;
  }

  /** True once the vehicle has reached the last stop. */
  get finished(): boolean {
    return this.passedIndex >= this.stops.length - 1;
  }

  /** True while the vehicle has not left the first stop (waiting or laying over there). */
  get atFirstStop(): boolean {
    const firstStop = this.stops[0] as ScheduledStop;
    return this.passedIndex <= 0 && this.distM < firstStop.distM + DEPARTURE_MARGIN_M;
  }
}
