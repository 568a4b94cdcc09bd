import { readFile } from 'node:fs/promises';
import { type Command, UsageError } from '@mobility/runtime';
import {
  createForecaster,
  createPersistenceForecaster,
  createProfileBaselineForecaster,
  createSeasonalNaiveForecaster,
  type OccupancyObservation,
} from '../domain/forecast/index.js';
import { type AssessedReading, assessReading, type QualityFlag } from '../domain/quality.js';
import { parseBirminghamCsv, parseWallClock } from './birmingham-csv.js';
import { type HorizonResult, walkForward } from './walk-forward.js';

const USAGE =
  'eval parking --csv <file> [--horizon-min 30[,60,...]] [--tolerance-min 10] [--level 0.8] ' +
  '[--from YYYY-MM-DD] [--to YYYY-MM-DD]';

interface EvalArgs {
  csv: string;
  horizons: number[];
  toleranceMinutes: number;
  level: number;
  from?: number;
  to?: number;
}

/**
 * `pnpm mobility eval parking`: walk-forward evaluation of the service's occupancy forecaster against
 * persistence, seasonal-naive and the issue's profile method, on history in the Birmingham layout.
 */
export const parkingEvalCommand: Command = {
  summary: 'walk-forward evaluation of parking occupancy forecasts against baselines',
  usage: USAGE,
  async run(args, io) {
    const options = parseArgs(args);
    const started = performance.now();
    let text: string;
    try {
      text = await readFile(options.csv, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read --csv ${options.csv}: ${(error as Error).message}`);
    }
    const readings = parseBirminghamCsv(text);
    const quality = assessAll(readings);
    io.say(
      `${readings.length} rows, ${quality.facilities.size} facilities, ${quality.dirtyRows} dirty rows ` +
        `(${Object.entries(quality.flagCounts)
          .map(([flag, count]) => `${flag} ${count}`)
          .join(', ')})`,
    );

    const model = 'model';
    const results = walkForward(quality.facilities, {
      horizonsMinutes: options.horizons,
      toleranceMinutes: options.toleranceMinutes,
      model,
      methods: {
        [model]: createForecaster({ level: options.level }),
        persistence: createPersistenceForecaster(),
        seasonal_naive: createSeasonalNaiveForecaster(),
        profile: createProfileBaselineForecaster(),
      },
      ...(options.from === undefined ? {} : { from: options.from }),
      ...(options.to === undefined ? {} : { to: options.to }),
    });
    for (const result of results) io.say(describe(result));

    const pooled = pool(results);
    const perHorizon: Record<string, unknown> = {};
    for (const result of results) {
      for (const [key, value] of Object.entries(figures(result)))
        perHorizon[`${key}_h${result.horizonMinutes}`] = value;
    }
    return {
      csv: options.csv,
      horizons_min: options.horizons,
      facilities: Math.max(0, ...results.map((result) => result.facilities)),
      facilities_in_file: quality.facilities.size,
      rows: readings.length,
      accepted_rows: quality.acceptedRows,
      dirty_rows: quality.dirtyRows,
      rejected_rows: readings.length - quality.acceptedRows,
      gap_rows: quality.flagCounts.gap ?? 0,
      flags: quality.flagCounts,
      target_tolerance_min: options.toleranceMinutes,
      ...figures(pooled),
      ...perHorizon,
      runtime_s: round((performance.now() - started) / 1000, 2),
    };
  },
};

function parseArgs(args: readonly string[]): EvalArgs {
  const values = new Map<string, string>();
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${arg}`);
    const equals = arg.indexOf('=');
    const name = equals >= 0 ? arg.slice(2, equals) : arg.slice(2);
    const value = equals >= 0 ? arg.slice(equals + 1) : args[++index];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (!['csv', 'horizon-min', 'tolerance-min', 'level', 'from', 'to'].includes(name)) {
      throw new UsageError(`unknown flag --${name}`);
    }
    values.set(name, value);
  }
  const csv = values.get('csv');
  if (!csv) throw new UsageError('--csv <file> is required');
  const horizons = (values.get('horizon-min') ?? '30').split(',').map((part) => Number(part.trim()));
  if (horizons.some((horizon) => !Number.isFinite(horizon) || horizon <= 0 || horizon > 24 * 60)) {
    throw new UsageError('--horizon-min takes positive minutes up to 1440, comma-separated');
  }
  if (new Set(horizons).size !== horizons.length) throw new UsageError('--horizon-min lists a horizon twice');
  const toleranceMinutes = Number(values.get('tolerance-min') ?? '10');
  if (!Number.isFinite(toleranceMinutes) || toleranceMinutes <= 0) {
    throw new UsageError('--tolerance-min takes positive minutes');
  }
  const level = Number(values.get('level') ?? '0.8');
  if (!(level > 0 && level < 1)) throw new UsageError('--level takes a coverage between 0 and 1');
  const parsed: EvalArgs = { csv, horizons, toleranceMinutes, level };
  for (const bound of ['from', 'to'] as const) {
    const text = values.get(bound);
    if (text === undefined) continue;
    const at = parseWallClock(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text} 00:00` : text);
    if (Number.isNaN(at)) throw new UsageError(`--${bound} takes a date YYYY-MM-DD`);
    parsed[bound] = at;
  }
  return parsed;
}

interface QualitySummary {
  facilities: Map<string, OccupancyObservation[]>;
  acceptedRows: number;
  /** Rows whose value was clamped, rejected or looks frozen: every flag except `gap`. */
  dirtyRows: number;
  flagCounts: Partial<Record<QualityFlag, number>>;
}

/**
 * Runs every row through the service's quality rules in file order per facility, as ingest would see
 * them. A gap is a fact about the silence before a row, not about the row, so it is counted apart.
 */
function assessAll(readings: ReturnType<typeof parseBirminghamCsv>): QualitySummary {
  const facilities = new Map<string, OccupancyObservation[]>();
  const previous = new Map<string, AssessedReading>();
  const flagCounts: Partial<Record<QualityFlag, number>> = {};
  let acceptedRows = 0;
  let dirtyRows = 0;
  for (const reading of readings) {
    const assessed = assessReading(reading, previous.get(reading.facilityId));
    for (const flag of assessed.flags) flagCounts[flag] = (flagCounts[flag] ?? 0) + 1;
    if (assessed.flags.some((flag) => flag !== 'gap')) dirtyRows++;
    if (!assessed.accepted) continue;
    acceptedRows++;
    previous.set(assessed.facilityId, assessed);
    let series = facilities.get(assessed.facilityId);
    if (series === undefined) {
      series = [];
      facilities.set(assessed.facilityId, series);
    }
    series.push({ at: assessed.observedAt, occupied: assessed.occupied, capacity: assessed.capacity });
  }
  return { facilities, acceptedRows, dirtyRows, flagCounts };
}

/** All horizons together, each target weighted equally. */
function pool(results: readonly HorizonResult[]): HorizonResult {
  const total = results.reduce((sum, result) => sum + result.forecasts, 0);
  const weighted = (pick: (result: HorizonResult) => number): number =>
    results.reduce((sum, result) => sum + pick(result) * result.forecasts, 0) / total;
  const names = Object.keys(results[0]?.methods ?? {});
  return {
    horizonMinutes: Number.NaN,
    forecasts: total,
    facilities: Math.max(0, ...results.map((result) => result.facilities)),
    methods: Object.fromEntries(
      names.map((name) => [
        name,
        {
          maePctCapacity: weighted((result) => result.methods[name]?.maePctCapacity ?? 0),
          mapePct: weighted((result) => result.methods[name]?.mapePct ?? 0),
          wmapePct: weighted((result) => result.methods[name]?.wmapePct ?? 0),
          biasPctCapacity: weighted((result) => result.methods[name]?.biasPctCapacity ?? 0),
        },
      ]),
    ),
    intervalCoveragePct: weighted((result) => result.intervalCoveragePct),
    intervalWidthPctCapacity: weighted((result) => result.intervalWidthPctCapacity),
    level: results[0]?.level ?? 0,
  };
}

const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

function figures(result: HorizonResult): Record<string, number> {
  const model = result.methods.model;
  const persistence = result.methods.persistence;
  const seasonal = result.methods.seasonal_naive;
  const profile = result.methods.profile;
  const bestNaive = Math.min(
    persistence?.maePctCapacity ?? Number.NaN,
    seasonal?.maePctCapacity ?? Number.NaN,
  );
  const improvement = (baseline: number): number =>
    round(100 * (1 - (model?.maePctCapacity ?? Number.NaN) / baseline), 1);
  return {
    forecasts: result.forecasts,
    mae_pct_capacity: round(model?.maePctCapacity ?? Number.NaN),
    mape_pct: round(model?.mapePct ?? Number.NaN),
    wmape_pct: round(model?.wmapePct ?? Number.NaN),
    bias_pct_capacity: round(model?.biasPctCapacity ?? Number.NaN),
    persistence_mae_pct_capacity: round(persistence?.maePctCapacity ?? Number.NaN),
    seasonal_naive_mae_pct_capacity: round(seasonal?.maePctCapacity ?? Number.NaN),
    profile_mae_pct_capacity: round(profile?.maePctCapacity ?? Number.NaN),
    persistence_mape_pct: round(persistence?.mapePct ?? Number.NaN),
    seasonal_naive_mape_pct: round(seasonal?.mapePct ?? Number.NaN),
    profile_mape_pct: round(profile?.mapePct ?? Number.NaN),
    mae_reduction_vs_best_naive_pct: improvement(bestNaive),
    mae_reduction_vs_profile_pct: improvement(profile?.maePctCapacity ?? Number.NaN),
    interval_coverage_pct: round(result.intervalCoveragePct, 2),
    interval_nominal_pct: round(100 * result.level, 1),
    interval_width_pct_capacity: round(result.intervalWidthPctCapacity, 2),
  };
}

function describe(result: HorizonResult): string {
  const lines = Object.entries(result.methods).map(
    ([name, score]) =>
      `${name.padEnd(15)} MAE ${score.maePctCapacity.toFixed(2)}% of capacity, MAPE ${score.mapePct.toFixed(2)}%`,
  );
  return [
    `horizon ${result.horizonMinutes} min: ${result.forecasts} forecasts over ${result.facilities} facilities`,
    ...lines.map((line) => `  ${line}`),
    `  interval coverage ${result.intervalCoveragePct.toFixed(1)}% (nominal ${(100 * result.level).toFixed(0)}%)`,
  ].join('\n');
}
