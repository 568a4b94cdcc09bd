import { fixedOffsetClock, type LocalClock, timeZoneClock } from './clock.js';
import { buildDayGrids, type DayGrid, meanGrid, valueAt } from './grid.js';
import { fitShrunkLeastSquares, quantile } from './linear.js';
import { clamp, knownAt, nearestObservation, upperBound } from './series.js';
import type { Forecast, Forecaster, OccupancyObservation } from './types.js';

/**
 * The service's occupancy forecaster: a per-facility, per-horizon linear model in fractions of
 * capacity over two seasonal profiles and the current deviation from them.
 *
 *   x = [ Pw(target), Pr(target) - Pw(target), y0 - Pw(now), Pw(now) - Pr(now), dayLevel, momentum, 1 ]
 *   forecast = clamp(x · b_h, 0, 1) × capacity
 *
 * (The contrasts, rather than the two profiles side by side, keep the shrinkage meaningful: the
 * profiles are nearly collinear, and a penalty scaled to each raw profile would swamp the small
 * difference between them that tells a Saturday from a Tuesday.)
 *
 * Pw is the same-weekday profile (the last few weeks of that weekday), Pr the recent profile (the
 * last 7 days, any weekday); y0 the latest reading; dayLevel the mean deviation from Pw so far today;
 * momentum how the deviation moved over the last half hour. b_h is fitted once per local day on the
 * facility's own history (each training example's profiles built only from days before it), by
 * least squares shrunk toward a prior that is the issue's profile rule on Pw (the deviation decaying
 * by 0.8 per hour), so a young facility starts from a sane rule and the decay is learned per horizon
 * as history accumulates. The prediction interval takes the empirical quantiles of the same fit's
 * residuals at that horizon (targets between readings are interpolated, so horizons shorter than the
 * feed's cadence still have residuals).
 */
export interface ForecasterOptions {
  /** Nominal coverage of the prediction interval. Default 0.8. */
  level?: number;
  /** Local time for seasonality. Default UTC (or `timeZone` when given). */
  clock?: LocalClock;
  /** IANA zone used when no clock is given, e.g. 'Europe/London'. */
  timeZone?: string;
  /** Days of history the per-horizon fit learns from. Default 42. */
  trainingDays?: number;
  /** Weeks averaged in the same-weekday profile. Default 4. */
  sameWeekdayWeeks?: number;
  /** Days averaged in the recent profile. Default 7. */
  recentDays?: number;
  /** Half-life of a training example's weight, in days (recent behaviour counts more). Default 21. */
  halfLifeDays?: number;
  /** Strength of the prior, in pseudo-examples. Default 30. */
  priorStrength?: number;
  /** Share of the recent profile (vs the same-weekday one) in the prior. Default 0. */
  priorRecentShare?: number;
  /** A training example's target is the reading nearest issue + horizon within this. Default 10 min. */
  targetToleranceMinutes?: number;
  /** A latest reading older than this says nothing about now: the forecast is the profile. Default 180 min. */
  staleAfterMinutes?: number;
  /** Fitted facility-days kept for reuse. Default 256. */
  cacheSize?: number;
}

const MINUTE_MS = 60_000;
/** Numeric profile keys (strings cost a garbage collection per training pass); targets lie < 100 days ahead. */
const PROFILE_KEY_SPAN = 128;
const MIN_RESIDUALS = 20;
const FEATURES = 7;

interface Settings {
  level: number;
  clock: LocalClock;
  trainingDays: number;
  sameWeekdayWeeks: number;
  recentDays: number;
  halfLifeDays: number;
  priorStrength: number;
  priorRecentShare: number;
  targetToleranceMs: number;
  staleAfterMs: number;
  cacheSize: number;
}

interface Point {
  at: number;
  minute: number;
  fraction: number;
}

/** Everything about "now" a forecast issued right after a reading needs, whatever the horizon. */
interface IssueState extends Point {
  day: number;
  /** reading - Pw(now) */
  deviation: number;
  /** Pw(now) - Pr(now) */
  contrast: number;
  /** mean deviation from Pw over the day's readings so far */
  dayLevel: number;
  /** change of the deviation since the youngest reading 15-60 min older (0 if none) */
  momentum: number;
}

interface HorizonFit {
  coefficients: number[];
  /** Residual quantiles (fractions of capacity) bounding the interval; NaN when too few residuals. */
  residualLow: number;
  residualHigh: number;
  /** Same for "occupancy stays as it is", used when the profiles cannot be built. */
  persistenceLow: number;
  persistenceHigh: number;
  samples: number;
}

/** What is known before one local day starts: the basis of every forecast issued during that day. */
interface DayModel {
  day: number;
  grids: Map<number, DayGrid>;
  pointsByDay: Map<number, Point[]>;
  observations: readonly OccupancyObservation[];
  horizons: Map<number, HorizonFit>;
  /** Profiles by asOfDay * PROFILE_KEY_SPAN + offset of the target day (recent: offset -1). */
  profiles: Map<number, DayGrid | undefined>;
  /** Issue states of the training window's readings, shared by every horizon's fit. */
  trainingStates?: IssueState[];
}

export function createForecaster(options: ForecasterOptions = {}): Forecaster {
  const settings: Settings = {
    level: options.level ?? 0.8,
    clock: options.clock ?? (options.timeZone ? timeZoneClock(options.timeZone) : fixedOffsetClock(0)),
    trainingDays: options.trainingDays ?? 42,
    sameWeekdayWeeks: options.sameWeekdayWeeks ?? 4,
    recentDays: options.recentDays ?? 7,
    halfLifeDays: options.halfLifeDays ?? 21,
    priorStrength: options.priorStrength ?? 30,
    priorRecentShare: options.priorRecentShare ?? 0,
    targetToleranceMs: (options.targetToleranceMinutes ?? 10) * MINUTE_MS,
    staleAfterMs: (options.staleAfterMinutes ?? 180) * MINUTE_MS,
    cacheSize: options.cacheSize ?? 256,
  };
  // Forecasts issued through one day share its fit; the key fingerprints the exact history before
  // that day, so a different facility or corrected history never reuses a stale fit.
  const cache = new Map<string, DayModel>();

  // Oldest day any fit uses: the first training day's profiles reach back this far. Cutting the
  // history there keeps the fingerprint stable through a day when the caller's window slides.
  const spanDays = settings.trainingDays + Math.max(7 * settings.sameWeekdayWeeks, settings.recentDays);

  const dayModelFor = (known: readonly OccupancyObservation[], day: number): DayModel => {
    const start = firstOnOrAfterDay(known, day - spanDays, settings.clock);
    const before = known.slice(start, firstOnOrAfterDay(known, day, settings.clock));
    const key = `${day}|${before.length}|${fingerprint(before)}`;
    const cached = cache.get(key);
    if (cached !== undefined) {
      cache.delete(key);
      cache.set(key, cached);
      return cached;
    }
    const model = buildDayModel(before, day, settings);
    cache.set(key, model);
    if (cache.size > settings.cacheSize) cache.delete(cache.keys().next().value as string);
    return model;
  };

  return {
    forecast(history, issuedAt, horizons) {
      const known = knownAt(history, issuedAt);
      const latest = known.at(-1);
      if (latest === undefined) {
        return horizons.map((horizonMinutes) => ({
          horizonMinutes,
          expectedOccupied: 0,
          lower: 0,
          upper: 0,
          level: settings.level,
          method: 'no-history',
        }));
      }
      const issue = settings.clock(issuedAt);
      const model = dayModelFor(known, issue.day);
      const today: Point[] = [];
      for (let index = known.length - 1; index >= 0; index--) {
        const observation = known[index] as OccupancyObservation;
        const local = settings.clock(observation.at);
        if (local.day !== issue.day) break;
        today.unshift({
          at: observation.at,
          minute: local.minuteOfDay,
          fraction: observation.occupied / observation.capacity,
        });
      }
      const fresh = issuedAt - latest.at <= settings.staleAfterMs && today.length > 0;
      const now = fresh ? dayStates(model, issue.day, today, settings).at(-1) : undefined;
      const capacity = latest.capacity;
      return horizons.map((horizon) => {
        const fit = horizonFit(model, horizon, settings);
        const target = settings.clock(issuedAt + horizon * MINUTE_MS);
        const features = fresh
          ? now && featuresFor(model, now, target.day, target.minuteOfDay, settings)
          : staleFeatures(model, issue.day, target.day, target.minuteOfDay, settings);
        if (features === undefined) {
          return toForecast(
            horizon,
            latest.occupied / capacity,
            fit.persistenceLow,
            fit.persistenceHigh,
            capacity,
            settings.level,
            'persistence-fallback',
          );
        }
        const expected = dot(features, fit.coefficients);
        return toForecast(
          horizon,
          expected,
          fit.residualLow,
          fit.residualHigh,
          capacity,
          settings.level,
          fresh ? 'profile-regression' : 'profile-regression-stale',
        );
      });
    },
  };
}

function toForecast(
  horizonMinutes: number,
  expectedFraction: number,
  residualLow: number,
  residualHigh: number,
  capacity: number,
  level: number,
  method: string,
): Forecast {
  const expected = clamp(expectedFraction, 0, 1);
  // Without enough residuals to measure its error, the honest interval is the whole car park.
  const lower = Number.isNaN(residualLow) ? 0 : clamp(expected + residualLow, 0, expected);
  const upper = Number.isNaN(residualHigh) ? 1 : clamp(expected + residualHigh, expected, 1);
  return {
    horizonMinutes,
    expectedOccupied: expected * capacity,
    lower: lower * capacity,
    upper: upper * capacity,
    level,
    method,
  };
}

/** Index of the first observation on or after local `day` (local day never decreases with time). */
function firstOnOrAfterDay(
  observations: readonly OccupancyObservation[],
  day: number,
  clock: LocalClock,
): number {
  let low = 0;
  let high = observations.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (clock((observations[mid] as OccupancyObservation).at).day < day) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** FNV-1a over every field of every observation: cheap enough to run on each call. */
function fingerprint(observations: readonly OccupancyObservation[]): string {
  let hash = 0x811c9dc5;
  const mix = (value: number) => {
    hash = Math.imul(hash ^ (value | 0), 0x01000193);
    hash = Math.imul(hash ^ Math.floor(value / 0x100000000), 0x01000193);
  };
  for (const observation of observations) {
    mix(observation.at);
    mix(observation.occupied);
    mix(observation.capacity);
  }
  return (hash >>> 0).toString(36);
}

function buildDayModel(before: readonly OccupancyObservation[], day: number, settings: Settings): DayModel {
  const pointsByDay = new Map<number, Point[]>();
  for (const observation of before) {
    const local = settings.clock(observation.at);
    let points = pointsByDay.get(local.day);
    if (points === undefined) {
      points = [];
      pointsByDay.set(local.day, points);
    }
    points.push({
      at: observation.at,
      minute: local.minuteOfDay,
      fraction: observation.occupied / observation.capacity,
    });
  }
  return {
    day,
    grids: buildDayGrids(before, settings.clock),
    pointsByDay,
    observations: before,
    horizons: new Map(),
    profiles: new Map(),
  };
}

/** Same-weekday profile for `targetDay` as known on `asOfDay` (only days before it). */
function weekdayProfile(model: DayModel, asOfDay: number, targetDay: number, settings: Settings) {
  const key = asOfDay * PROFILE_KEY_SPAN + (targetDay - asOfDay);
  if (!model.profiles.has(key)) {
    const grids: DayGrid[] = [];
    for (let week = 1; week <= settings.sameWeekdayWeeks; week++) {
      const day = targetDay - 7 * week;
      const grid = day < asOfDay ? model.grids.get(day) : undefined;
      if (grid !== undefined) grids.push(grid);
    }
    model.profiles.set(key, meanGrid(grids));
  }
  return model.profiles.get(key);
}

/** Recent profile: the `recentDays` days before `asOfDay`, any weekday. */
function recentProfile(model: DayModel, asOfDay: number, settings: Settings) {
  const key = asOfDay * PROFILE_KEY_SPAN - 1;
  if (!model.profiles.has(key)) {
    const grids: DayGrid[] = [];
    for (let back = 1; back <= settings.recentDays; back++) {
      const grid = model.grids.get(asOfDay - back);
      if (grid !== undefined) grids.push(grid);
    }
    model.profiles.set(key, meanGrid(grids));
  }
  return model.profiles.get(key);
}

/**
 * Profile values at a time, each standing in for the other when one is missing. Training keeps the
 * examples with a stand-in (a young facility's first weeks): on the early weeks of the Birmingham
 * data, dropping them cost more accuracy than their mismatch did.
 */
function profilesAt(
  model: DayModel,
  asOfDay: number,
  targetDay: number,
  minute: number,
  settings: Settings,
): [number, number] | undefined {
  let weekday = valueAt(weekdayProfile(model, asOfDay, targetDay, settings), minute);
  let recent = valueAt(recentProfile(model, asOfDay, settings), minute);
  if (Number.isNaN(weekday)) weekday = recent;
  if (Number.isNaN(recent)) recent = weekday;
  return Number.isNaN(weekday) ? undefined : [weekday, recent];
}

/**
 * The issue state after each of a day's readings (ascending), built incrementally so that a whole
 * day costs one pass; undefined where no profile covers the reading's time.
 */
function dayStates(
  model: DayModel,
  day: number,
  points: readonly Point[],
  settings: Settings,
): (IssueState | undefined)[] {
  const states: (IssueState | undefined)[] = [];
  const seen: { minute: number; deviation: number }[] = [];
  let levelSum = 0;
  for (const point of points) {
    const now = profilesAt(model, day, day, point.minute, settings);
    if (now === undefined) {
      states.push(undefined);
      continue;
    }
    const deviation = point.fraction - now[0];
    levelSum += deviation;
    let previous: number | undefined;
    for (let index = seen.length - 1; index >= 0; index--) {
      const earlier = seen[index] as { minute: number; deviation: number };
      const age = point.minute - earlier.minute;
      if (age > 60) break;
      if (age >= 15) {
        previous = earlier.deviation;
        break;
      }
    }
    seen.push({ minute: point.minute, deviation });
    states.push({
      ...point,
      day,
      deviation,
      contrast: now[0] - now[1],
      dayLevel: levelSum / seen.length,
      momentum: previous === undefined ? 0 : deviation - previous,
    });
  }
  return states;
}

/** Features of a forecast issued in `state` for a target at (`targetDay`, `targetMinute`). */
function featuresFor(
  model: DayModel,
  state: IssueState,
  targetDay: number,
  targetMinute: number,
  settings: Settings,
): number[] | undefined {
  const target = profilesAt(model, state.day, targetDay, targetMinute, settings);
  if (target === undefined) return undefined;
  return [
    target[0],
    target[1] - target[0],
    state.deviation,
    state.contrast,
    state.dayLevel,
    state.momentum,
    1,
  ];
}

/** Features when nothing recent is known: the profiles alone. */
function staleFeatures(
  model: DayModel,
  issueDay: number,
  targetDay: number,
  targetMinute: number,
  settings: Settings,
): number[] | undefined {
  const target = profilesAt(model, issueDay, targetDay, targetMinute, settings);
  return target === undefined ? undefined : [target[0], target[1] - target[0], 0, 0, 0, 0, 1];
}

const dot = (a: readonly number[], b: readonly number[]): number =>
  a.reduce((sum, value, index) => sum + value * (b[index] as number), 0);

/**
 * The prior every fit is shrunk toward: the issue's profile rule on the same-weekday profile (the
 * profile plus the current deviation from it, decayed by 0.8 per hour), optionally mixed with the
 * recent profile by `recentShare`; in the contrast coordinates of the features,
 * [1, s, d, s·d, 0, 0, 0]. The same-weekday prior (s = 0) was chosen on the synthetic weekly series
 * and the first five weeks of the Birmingham data only: with s = 0.5 the weakly identified direction
 * stays near the prior and drags Saturdays toward the weekday shape.
 */
function priorCoefficients(horizonMinutes: number, recentShare: number): number[] {
  const decay = 0.8 ** (horizonMinutes / 60);
  return [1, recentShare, decay, decay * recentShare, 0, 0, 0];
}

function trainingStates(model: DayModel, settings: Settings): IssueState[] {
  if (model.trainingStates === undefined) {
    const states: IssueState[] = [];
    const firstDay = model.day - settings.trainingDays;
    for (const [day, points] of model.pointsByDay) {
      if (day < firstDay) continue;
      for (const state of dayStates(model, day, points, settings))
        if (state !== undefined) states.push(state);
    }
    model.trainingStates = states;
  }
  return model.trainingStates;
}

function horizonFit(model: DayModel, horizonMinutes: number, settings: Settings): HorizonFit {
  const cached = model.horizons.get(horizonMinutes);
  if (cached !== undefined) return cached;
  const rows: number[][] = [];
  const targets: number[] = [];
  const weights: number[] = [];
  const persistenceErrors: number[] = [];
  const observations = model.observations;
  for (const state of trainingStates(model, settings)) {
    const targetAt = state.at + horizonMinutes * MINUTE_MS;
    const actualFraction = fractionAt(observations, state.at, targetAt, settings.targetToleranceMs);
    if (actualFraction === undefined) continue;
    const target = settings.clock(targetAt);
    const features = featuresFor(model, state, target.day, target.minuteOfDay, settings);
    if (features === undefined) continue;
    rows.push(features);
    targets.push(actualFraction);
    weights.push(0.5 ** ((model.day - state.day) / settings.halfLifeDays));
  }
  // The fallback's errors come from every reading, profile or not: it serves the facilities too young
  // for a profile.
  const firstAt = firstOnOrAfterDay(observations, model.day - settings.trainingDays, settings.clock);
  for (let index = firstAt; index < observations.length; index++) {
    const observation = observations[index] as OccupancyObservation;
    const targetAt = observation.at + horizonMinutes * MINUTE_MS;
    const actualFraction = fractionAt(observations, observation.at, targetAt, settings.targetToleranceMs);
    if (actualFraction !== undefined)
      persistenceErrors.push(actualFraction - observation.occupied / observation.capacity);
  }
  const prior = priorCoefficients(horizonMinutes, settings.priorRecentShare);
  const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
  const penalty = prior.map((_, feature) => {
    let moment = 0;
    rows.forEach((row, index) => {
      moment += (weights[index] as number) * (row[feature] as number) ** 2;
    });
    const meanSquare = totalWeight > 0 ? moment / totalWeight : 1;
    return settings.priorStrength * Math.max(meanSquare, 1e-4);
  });
  const coefficients =
    rows.length >= FEATURES ? fitShrunkLeastSquares(rows, targets, weights, prior, penalty) : prior;
  const residuals = rows.map((row, index) => (targets[index] as number) - dot(row, coefficients));
  const [residualLow, residualHigh] = intervalQuantiles(residuals, settings.level);
  const [persistenceLow, persistenceHigh] = intervalQuantiles(persistenceErrors, settings.level);
  const fit: HorizonFit = {
    coefficients,
    residualLow,
    residualHigh,
    persistenceLow,
    persistenceHigh,
    samples: rows.length,
  };
  model.horizons.set(horizonMinutes, fit);
  return fit;
}

/** Longest silence a training target may be interpolated across. */
const MAX_INTERPOLATION_MS = 90 * MINUTE_MS;

/**
 * What a training example's forecast is scored against: the reading nearest `targetAt` within the
 * tolerance, else a straight line between the readings around it. The line is what makes horizons
 * shorter than the feed's cadence (15 min on a 30-min feed) learnable at all.
 */
function fractionAt(
  observations: readonly OccupancyObservation[],
  issuedAt: number,
  targetAt: number,
  toleranceMs: number,
): number | undefined {
  const nearest = nearestObservation(observations, targetAt, toleranceMs);
  if (nearest !== undefined && nearest.at > issuedAt) return nearest.occupied / nearest.capacity;
  const after = upperBound(observations, targetAt);
  const left = observations[after - 1];
  const right = observations[after];
  if (left === undefined || right === undefined || left.at < issuedAt) return undefined;
  if (right.at - left.at > MAX_INTERPOLATION_MS || right.at === left.at) return undefined;
  const weight = (targetAt - left.at) / (right.at - left.at);
  const from = left.occupied / left.capacity;
  return from + weight * (right.occupied / right.capacity - from);
}

function intervalQuantiles(errors: number[], level: number): [number, number] {
  if (errors.length < MIN_RESIDUALS) return [Number.NaN, Number.NaN];
  const sorted = [...errors].sort((a, b) => a - b);
  return [quantile(sorted, (1 - level) / 2), quantile(sorted, (1 + level) / 2)];
}
