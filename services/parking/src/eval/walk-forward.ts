import { nearestObservation } from '../domain/forecast/series.js';
import type { Forecast, Forecaster, OccupancyObservation } from '../domain/forecast/types.js';

/**
 * Walk-forward evaluation: a forecast is issued at every reading of every facility, each method
 * receives the history sliced at that reading (so nothing later can reach it, whatever the method
 * does), and is scored against the reading nearest issue + horizon within the tolerance. A target
 * counts only when every method produced a forecast for it, so all methods face the same targets.
 */
export interface WalkForwardOptions {
  horizonsMinutes: readonly number[];
  toleranceMinutes: number;
  /** Methods by name; `model` must be one of them (it also carries the interval). */
  methods: Readonly<Record<string, Forecaster>>;
  model: string;
  /** Only issue times in [from, to) are scored (epoch ms); history before `from` is still used. */
  from?: number;
  to?: number;
}

export interface MethodScore {
  /** mean |error| / capacity, as % */
  maePctCapacity: number;
  /** mean |error| / actual over targets with actual > 0, as % */
  mapePct: number;
  /** sum |error| / sum actual, as % (a MAPE that tiny denominators cannot dominate) */
  wmapePct: number;
  /** mean signed error / capacity, as % (positive = over-forecast) */
  biasPctCapacity: number;
}

export interface HorizonResult {
  horizonMinutes: number;
  forecasts: number;
  facilities: number;
  methods: Record<string, MethodScore>;
  intervalCoveragePct: number;
  intervalWidthPctCapacity: number;
  level: number;
}

interface Accumulator {
  absPct: number;
  signedPct: number;
  ape: number;
  apeCount: number;
  absError: number;
  actualSum: number;
}

const MINUTE_MS = 60_000;

export function walkForward(
  facilities: ReadonlyMap<string, readonly OccupancyObservation[]>,
  options: WalkForwardOptions,
): HorizonResult[] {
  const horizons = options.horizonsMinutes;
  const toleranceMs = options.toleranceMinutes * MINUTE_MS;
  const names = Object.keys(options.methods);
  const totals = horizons.map(() => ({
    count: 0,
    covered: 0,
    width: 0,
    level: 0,
    facilities: new Set<string>(),
    methods: Object.fromEntries(names.map((name) => [name, emptyAccumulator()])) as Record<
      string,
      Accumulator
    >,
  }));

  for (const [facilityId, observations] of facilities) {
    for (let index = 0; index < observations.length; index++) {
      const issuedAt = (observations[index] as OccupancyObservation).at;
      if (options.from !== undefined && issuedAt < options.from) continue;
      if (options.to !== undefined && issuedAt >= options.to) continue;
      const future = observations.slice(index + 1);
      const targets = horizons.map((horizon) =>
        nearestObservation(future, issuedAt + horizon * MINUTE_MS, toleranceMs),
      );
      if (targets.every((target) => target === undefined)) continue;
      // The structural guard: methods only ever see readings up to the issue instant.
      const history = observations.slice(0, index + 1);
      const forecasts: Record<string, Forecast[]> = {};
      for (const name of names) {
        forecasts[name] = (options.methods[name] as Forecaster).forecast(history, issuedAt, horizons);
      }
      targets.forEach((target, slot) => {
        if (target === undefined) return;
        const byMethod = names.map((name) => (forecasts[name] as Forecast[])[slot] as Forecast);
        if (byMethod.some((forecast) => !Number.isFinite(forecast.expectedOccupied))) return;
        const total = totals[slot] as (typeof totals)[number];
        total.count++;
        total.facilities.add(facilityId);
        names.forEach((name, position) => {
          accumulate(total.methods[name] as Accumulator, byMethod[position] as Forecast, target);
        });
        const model = (forecasts[options.model] as Forecast[])[slot] as Forecast;
        if (model.lower <= target.occupied && target.occupied <= model.upper) total.covered++;
        total.width += (model.upper - model.lower) / target.capacity;
        total.level = model.level;
      });
    }
  }

  return totals.map((total, slot) => ({
    horizonMinutes: horizons[slot] as number,
    forecasts: total.count,
    facilities: total.facilities.size,
    methods: Object.fromEntries(
      names.map((name) => [name, score(total.methods[name] as Accumulator, total.count)]),
    ),
    intervalCoveragePct: (100 * total.covered) / total.count,
    intervalWidthPctCapacity: (100 * total.width) / total.count,
    level: total.level,
  }));
}

function emptyAccumulator(): Accumulator {
  return { absPct: 0, signedPct: 0, ape: 0, apeCount: 0, absError: 0, actualSum: 0 };
}

function accumulate(into: Accumulator, forecast: Forecast, actual: OccupancyObservation): void {
  const error = forecast.expectedOccupied - actual.occupied;
  into.absPct += Math.abs(error) / actual.capacity;
  into.signedPct += error / actual.capacity;
  into.absError += Math.abs(error);
  into.actualSum += actual.occupied;
  if (actual.occupied > 0) {
    into.ape += Math.abs(error) / actual.occupied;
    into.apeCount++;
  }
}

function score(accumulator: Accumulator, count: number): MethodScore {
  return {
    maePctCapacity: (100 * accumulator.absPct) / count,
    mapePct: (100 * accumulator.ape) / accumulator.apeCount,
    wmapePct: (100 * accumulator.absError) / accumulator.actualSum,
    biasPctCapacity: (100 * accumulator.signedPct) / count,
  };
}
