/**
 * Accuracy rules for arrival predictions. Error = actual - predicted (seconds): positive when the
 * vehicle came later than predicted. Horizon = actual - issue time, so a prediction and the naive
 * baseline issued at the same moment for the same stop always fall in the same bin.
 */

/** MBTA horizon bins (minutes) with the accepted error window [early, late] in seconds. */
export const MBTA_BINS = [
  { name: '0_3', fromMin: 0, toMin: 3, early: -60, late: 60 },
  { name: '3_6', fromMin: 3, toMin: 6, early: -90, late: 120 },
  { name: '6_12', fromMin: 6, toMin: 12, early: -150, late: 210 },
  { name: '12_30', fromMin: 12, toMin: 30, early: -240, late: 360 },
] as const;

export type MbtaBinName = (typeof MBTA_BINS)[number]['name'];

/** Index of the MBTA bin for a horizon, or -1 beyond 30 minutes (or negative). */
export function mbtaBinIndex(horizonS: number): number {
  const minutes = horizonS / 60;
  return MBTA_BINS.findIndex((bin) => minutes >= bin.fromMin && minutes < bin.toMin);
}

/** Inside the MBTA window of its horizon bin. */
export function withinMbta(horizonS: number, errorS: number): boolean {
  const bin = MBTA_BINS[mbtaBinIndex(horizonS)];
  return bin !== undefined && errorS >= bin.early && errorS <= bin.late;
}

/** Cal-ITP rule: -60 ln(t + 1.3) < error < 60 ln(t + 1.5), t the horizon in minutes. */
export function withinCalItp(horizonS: number, errorS: number): boolean {
  const t = horizonS / 60;
  return -60 * Math.log(t + 1.3) < errorS && errorS < 60 * Math.log(t + 1.5);
}

/** Collects errors of one predictor and summarises them. */
export class AccuracyTally {
  private readonly errors: number[] = [];
  private mbta = 0;
  private calItp = 0;

  add(horizonS: number, errorS: number): void {
    this.errors.push(errorS);
    if (withinMbta(horizonS, errorS)) this.mbta++;
    if (withinCalItp(horizonS, errorS)) this.calItp++;
  }

  get count(): number {
    return this.errors.length;
  }

  summary(): { count: number; mbtaPct: number; calItpPct: number; medianAbsErrS: number; meanErrS: number } {
    const count = this.errors.length;
    if (count === 0)
      return {
        count,
        mbtaPct: Number.NaN,
        calItpPct: Number.NaN,
        medianAbsErrS: Number.NaN,
        meanErrS: Number.NaN,
      };
    const absolute = Float64Array.from(this.errors, Math.abs).sort();
    const middle = count >> 1;
    const median =
      count % 2 === 1
        ? (absolute[middle] as number)
        : ((absolute[middle - 1] as number) + (absolute[middle] as number)) / 2;
    return {
      count,
      mbtaPct: (100 * this.mbta) / count,
      calItpPct: (100 * this.calItp) / count,
      medianAbsErrS: median,
      meanErrS: this.errors.reduce((sum, error) => sum + error, 0) / count,
    };
  }
}
