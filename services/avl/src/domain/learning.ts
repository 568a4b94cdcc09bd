/**
 * What the tracker learns online, from the past only: stop-to-stop travel times by segment and time
 * of day, terminal departure habits, and how its own predictions turned out (which sets the blend
 * between the learned and the schedule-based estimate, and the stated uncertainty).
 *
 * Stop-to-stop time k -> k+1 is measured between the instants the vehicle reaches the two stops
 * (for the first stop: the instant it leaves it), so it includes the dwell at stop k. That is the
 * same event the predictions are about, so nothing needs splitting into dwell and running time.
 */

/** Time-of-day bins: one per hour of the service day (0..29, trips run past 24:00). */
const BIN_SECONDS = 3600;
const BINS = 30;
/** Observations worth of trust given to the level above (schedule -> segment -> segment x hour). */
const SHRINK_SEGMENT = 2;
const SHRINK_BIN = 3;
/** Recent observations of a segment (today's traffic) weigh more; half-life in ms. */
const RECENT_HALF_LIFE_MS = 45 * 60_000;
const SHRINK_RECENT = 2;

/** Prediction horizon bins for the learned residual statistics, minutes (upper bounds). */
export const HORIZON_BINS_MIN = [3, 6, 12, 30, Infinity] as const;

interface Mean {
  n: number;
  mean: number;
}

interface SegmentStats {
  all: Mean;
  byBin: (Mean | undefined)[];
  recentWeight: number;
  recentMean: number;
  recentAtMs: number;
}

/**
 * Per phase and horizon: weighted least squares of (actual - learned) on an intercept and on
 * (naive - learned), with forgetting and a ridge prior, so the published estimate is
 * learned + bias + weight * (naive - learned). Inputs are clipped (a detour is not a lesson).
 */
interface HorizonStats {
  n: number;
  sumD: number;
  sumDd: number;
  sumE: number;
  sumEd: number;
  /** Running 80th percentile of |actual - published| (stochastic approximation), seconds. */
  absQuantile80: number;
  samples: number;
}

/** What the vehicle is doing when a prediction is made; each behaves differently. */
export type PredictionPhase = 'running' | 'layover' | 'next_trip';
const PHASES: readonly PredictionPhase[] = ['running', 'layover', 'next_trip'];

export interface LearningSnapshot {
  version: 1;
  segments: [string, { all: Mean; byBin: (Mean | null)[] }][];
  scheduleRatio: (Mean | null)[];
  horizons: HorizonStats[];
  departureLagS: Mean;
  turnaroundS: Mean;
}

const PRIOR_BLEND = 0.25;
/** Ridge prior: worth this many outcomes with a typical 100 s difference between the estimates. */
const PRIOR_BLEND_WEIGHT = 30 * 100 * 100;
const PRIOR_BIAS_WEIGHT = 20;
const FORGET = 0.998;
const CLIP_S = 600;
const PRIOR_UNCERTAINTY_S = [60, 100, 160, 260, 420];

function bump(stat: Mean, value: number): void {
  stat.n++;
  stat.mean += (value - stat.mean) / stat.n;
}

export function horizonBin(horizonS: number): number {
  const minutes = horizonS / 60;
  const index = HORIZON_BINS_MIN.findIndex((upper) => minutes < upper);
  return index < 0 ? HORIZON_BINS_MIN.length - 1 : index;
}

export class TravelTimeModel {
  private readonly segments = new Map<string, SegmentStats>();
  /** Observed / scheduled stop-to-stop time, network-wide, by hour: the prior for a new segment. */
  private readonly scheduleRatio: (Mean | undefined)[] = new Array(BINS);
  private horizons: HorizonStats[] = PHASES.flatMap(() =>
    HORIZON_BINS_MIN.map((_, index) => ({
      n: 0,
      sumD: 0,
      sumDd: 0,
      sumE: 0,
      sumEd: 0,
      absQuantile80: PRIOR_UNCERTAINTY_S[index] as number,
      samples: 0,
    })),
  );

  private stats(phase: PredictionPhase, horizonS: number): HorizonStats {
    return this.horizons[
      PHASES.indexOf(phase) * HORIZON_BINS_MIN.length + horizonBin(horizonS)
    ] as HorizonStats;
  }
  /** Seconds after the scheduled start a vehicle ready in time actually leaves the first stop. */
  private readonly departureLag: Mean = { n: 0, mean: 30 };
  /** Seconds a late vehicle stays at the terminal between arriving and leaving on its next trip. */
  private readonly turnaround: Mean = { n: 0, mean: 120 };

  /** Learns one observed stop-to-stop time. */
  observeSegment(
    key: string,
    scheduledS: number,
    observedS: number,
    serviceSecond: number,
    atMs: number,
  ): void {
    // Clip what a detour or a data gap can do to the statistics.
    const value = Math.min(Math.max(observedS, 0.25 * scheduledS), 4 * scheduledS + 300);
    const bin = binOf(serviceSecond);
    let stats = this.segments.get(key);
    if (!stats) {
      stats = {
        all: { n: 0, mean: 0 },
        byBin: new Array(BINS),
        recentWeight: 0,
        recentMean: 0,
        recentAtMs: atMs,
      };
      this.segments.set(key, stats);
    }
    bump(stats.all, value);
    let binStats = stats.byBin[bin];
    if (!binStats) {
      binStats = { n: 0, mean: 0 };
      stats.byBin[bin] = binStats;
    }
    bump(binStats, value);
    const decay = 0.5 ** (Math.max(0, atMs - stats.recentAtMs) / RECENT_HALF_LIFE_MS);
    stats.recentWeight = stats.recentWeight * decay + 1;
    stats.recentMean += (value - stats.recentMean) / stats.recentWeight;
    stats.recentAtMs = atMs;
    if (scheduledS > 0) {
      let ratio = this.scheduleRatio[bin];
      if (!ratio) {
        ratio = { n: 0, mean: 0 };
        this.scheduleRatio[bin] = ratio;
      }
      // A capped count keeps the ratio following the day rather than freezing.
      ratio.n = Math.min(ratio.n + 1, 500);
      ratio.mean += (Math.min(value / scheduledS, 4) - ratio.mean) / ratio.n;
    }
  }

  /**
   * Expected stop-to-stop time: schedule scaled by the network's observed ratio, refined by what
   * this segment took all day, then at this hour, then over the last hour or so; each level counts
   * as a few observations, so a segment seen once moves only part of the way from its prior.
   */
  segmentSeconds(key: string, scheduledS: number, serviceSecond: number, atMs: number): number {
    const bin = binOf(serviceSecond);
    const ratio = this.scheduleRatio[bin];
    const ratioEstimate = ratio ? (ratio.n * ratio.mean + 20) / (ratio.n + 20) : 1;
    let estimate = scheduledS * ratioEstimate;
    const stats = this.segments.get(key);
    if (!stats) return estimate;
    estimate = (stats.all.n * stats.all.mean + SHRINK_SEGMENT * estimate) / (stats.all.n + SHRINK_SEGMENT);
    const binStats = stats.byBin[bin];
    if (binStats) estimate = (binStats.n * binStats.mean + SHRINK_BIN * estimate) / (binStats.n + SHRINK_BIN);
    const recentWeight =
      stats.recentWeight * 0.5 ** (Math.max(0, atMs - stats.recentAtMs) / RECENT_HALF_LIFE_MS);
    if (recentWeight > 0.05) {
      estimate =
        (recentWeight * stats.recentMean + SHRINK_RECENT * estimate) / (recentWeight + SHRINK_RECENT);
    }
    return estimate;
  }

  observeDepartureLag(seconds: number): void {
    bump(this.departureLag, Math.min(Math.max(seconds, -120), 600));
    this.departureLag.n = Math.min(this.departureLag.n, 200);
  }

  departureLagS(): number {
    return (this.departureLag.n * this.departureLag.mean + 5 * 30) / (this.departureLag.n + 5);
  }

  observeTurnaround(seconds: number): void {
    bump(this.turnaround, Math.min(Math.max(seconds, 0), 1200));
    this.turnaround.n = Math.min(this.turnaround.n, 200);
  }

  turnaroundS(): number {
    return (this.turnaround.n * this.turnaround.mean + 5 * 120) / (this.turnaround.n + 5);
  }

  /**
   * Learns from one resolved prediction (horizon = predicted time - issue time, as known when it
   * was made): the blend of learned and naive estimates, and the 80% absolute-error quantile.
   */
  observeOutcome(
    phase: PredictionPhase,
    horizonS: number,
    actualMs: number,
    learnedMs: number,
    naiveMs: number,
    publishedMs: number,
  ): void {
    const stats = this.stats(phase, horizonS);
    const clip = (value: number) => Math.min(CLIP_S, Math.max(-CLIP_S, value));
    const d = clip((naiveMs - learnedMs) / 1000);
    const e = clip((actualMs - learnedMs) / 1000);
    stats.n = stats.n * FORGET + 1;
    stats.sumD = stats.sumD * FORGET + d;
    stats.sumDd = stats.sumDd * FORGET + d * d;
    stats.sumE = stats.sumE * FORGET + e;
    stats.sumEd = stats.sumEd * FORGET + e * d;
    const error = Math.abs(actualMs - publishedMs) / 1000;
    stats.samples++;
    const step = Math.max(2, stats.absQuantile80 * (stats.samples < 50 ? 0.1 : 0.02));
    stats.absQuantile80 += error > stats.absQuantile80 ? 0.8 * step : -0.2 * step;
  }

  /** Bias (s) and share of (naive - learned) to add to the learned estimate, by phase and horizon. */
  blend(phase: PredictionPhase, horizonS: number): { biasS: number; weight: number } {
    const stats = this.stats(phase, horizonS);
    // Solve [[n + ta, sD], [sD, sDd + tw]] [a, w] = [sE, sEd + tw w0].
    const a11 = stats.n + PRIOR_BIAS_WEIGHT;
    const a12 = stats.sumD;
    const a22 = stats.sumDd + PRIOR_BLEND_WEIGHT;
    const b1 = stats.sumE;
    const b2 = stats.sumEd + PRIOR_BLEND_WEIGHT * PRIOR_BLEND;
    const determinant = a11 * a22 - a12 * a12;
    if (!(determinant > 0)) return { biasS: 0, weight: PRIOR_BLEND };
    const biasS = (b1 * a22 - a12 * b2) / determinant;
    const weight = (a11 * b2 - a12 * b1) / determinant;
    return { biasS: Math.min(120, Math.max(-120, biasS)), weight: Math.min(1, Math.max(0, weight)) };
  }

  /** Half-width (s) of the interval that held ~80% of past outcomes at this phase and horizon. */
  uncertaintyS(phase: PredictionPhase, horizonS: number): number {
    return Math.round(this.stats(phase, horizonS).absQuantile80);
  }

  export(): LearningSnapshot {
    return {
      version: 1,
      segments: [...this.segments].map(([key, stats]) => [
        key,
        { all: { ...stats.all }, byBin: Array.from(stats.byBin, (bin) => (bin ? { ...bin } : null)) },
      ]),
      scheduleRatio: Array.from(this.scheduleRatio, (ratio) => (ratio ? { ...ratio } : null)),
      horizons: this.horizons.map((stats) => ({ ...stats })),
      departureLagS: { ...this.departureLag },
      turnaroundS: { ...this.turnaround },
    };
  }

  /** Restores a snapshot; anything malformed is ignored (learning restarts from priors). */
  import(state: unknown): boolean {
    if (!isSnapshot(state)) return false;
    this.segments.clear();
    for (const [key, stats] of state.segments) {
      this.segments.set(key, {
        all: { ...stats.all },
        byBin: Array.from({ length: BINS }, (_, bin) => {
          const value = stats.byBin[bin];
          return value ? { ...value } : undefined;
        }),
        recentWeight: 0,
        recentMean: 0,
        recentAtMs: 0,
      });
    }
    for (let bin = 0; bin < BINS; bin++) {
      const ratio = state.scheduleRatio[bin];
      this.scheduleRatio[bin] = ratio ? { ...ratio } : undefined;
    }
    if (state.horizons.length === this.horizons.length)
      this.horizons = state.horizons.map((stats) => ({ ...stats }));
    Object.assign(this.departureLag, state.departureLagS);
    Object.assign(this.turnaround, state.turnaroundS);
    return true;
  }
}

function binOf(serviceSecond: number): number {
  return Math.min(BINS - 1, Math.max(0, Math.floor(serviceSecond / BIN_SECONDS)));
}

const isMean = (value: unknown): value is Mean =>
  typeof value === 'object' &&
  value !== null &&
  Number.isFinite((value as Mean).n) &&
  Number.isFinite((value as Mean).mean);

function isSnapshot(state: unknown): state is LearningSnapshot {
  if (typeof state !== 'object' || state === null) return false;
  const snapshot = state as Partial<LearningSnapshot>;
  return (
    snapshot.version === 1 &&
    Array.isArray(snapshot.segments) &&
    snapshot.segments.every(
      (entry) =>
        Array.isArray(entry) &&
        typeof entry[0] === 'string' &&
        isMean(entry[1]?.all) &&
        Array.isArray(entry[1]?.byBin) &&
        entry[1].byBin.every((bin) => bin === null || isMean(bin)),
    ) &&
    Array.isArray(snapshot.scheduleRatio) &&
    snapshot.scheduleRatio.every((ratio) => ratio === null || isMean(ratio)) &&
    Array.isArray(snapshot.horizons) &&
    snapshot.horizons.every(
      (stats) =>
        typeof stats === 'object' &&
        stats !== null &&
        Number.isFinite(stats.n) &&
        Number.isFinite(stats.sumD) &&
        Number.isFinite(stats.sumDd) &&
        Number.isFinite(stats.sumE) &&
        Number.isFinite(stats.sumEd) &&
        Number.isFinite(stats.absQuantile80) &&
        Number.isFinite(stats.samples),
    ) &&
    isMean(snapshot.departureLagS) &&
    isMean(snapshot.turnaroundS)
  );
}
