/**
 * Planner KPIs: their names, what each row is about, the measures, and the rules behind them (pure).
 * The SQL in store/kpi-queries.ts computes them in the database from the derived tables; the rules
 * that decide "on time" or "accurate" live here once and are turned into SQL from this data.
 */

export const KPI_NAMES = [
  'on-time',
  'headway',
  'prediction-accuracy',
  'intersection-delay',
  'arrivals-on-green',
  'parking-occupancy',
] as const;
export type KpiName = (typeof KPI_NAMES)[number];

export function isKpiName(name: string): name is KpiName {
  return (KPI_NAMES as readonly string[]).includes(name);
}

export type EntityKind = 'route' | 'intersection' | 'facility';

export interface KpiDefinition {
  name: KpiName;
  entityKind: EntityKind;
  /** Column names of each row after bucket_start and entity_id, in order. */
  measures: readonly string[];
  /** One line for the CLI listing. */
  summary: string;
}

export const KPIS: Readonly<Record<KpiName, KpiDefinition>> = {
  'on-time': {
    name: 'on-time',
    entityKind: 'route',
    measures: ['arrivals', 'on_time_pct', 'early_pct', 'late_pct', 'mean_deviation_s', 'p90_abs_deviation_s'],
    summary: 'stop arrivals within 1 min early .. 5 min late, and schedule deviation',
  },
  headway: {
    name: 'headway',
    entityKind: 'route',
    measures: ['headways', 'mean_headway_s', 'headway_cv', 'bunched_pairs', 'bunching_alerts', 'gap_alerts'],
    summary: 'headway regularity (coefficient of variation) and bunching per route',
  },
  'prediction-accuracy': {
    name: 'prediction-accuracy',
    entityKind: 'route',
    measures: [
      'predictions',
      'mbta_bin_pct',
      'calitp_pct',
      'median_abs_err_s',
      'mbta_0_3_pct',
      'mbta_3_6_pct',
      'mbta_6_12_pct',
      'mbta_12_30_pct',
    ],
    summary: 'stop arrival predictions scored against arrivals observed later (MBTA bins, Cal-ITP rule)',
  },
  'intersection-delay': {
    name: 'intersection-delay',
    entityKind: 'intersection',
    measures: ['volume', 'mean_delay_s', 'total_delay_veh_h', 'green_share_pct'],
    summary: 'estimated control delay from detector volumes and signal intervals (uniform arrivals)',
  },
  'arrivals-on-green': {
    name: 'arrivals-on-green',
    entityKind: 'intersection',
    measures: ['volume', 'arrivals_on_green', 'arrivals_on_green_pct', 'green_share_pct'],
    summary: 'share of detected vehicles arriving while the intersection shows green (uniform arrivals)',
  },
  'parking-occupancy': {
    name: 'parking-occupancy',
    entityKind: 'facility',
    measures: [
      'mean_occupancy_pct',
      'peak_occupancy_pct',
      'time_above_85_s',
      'time_above_85_pct',
      'observed_s',
    ],
    summary: 'time-weighted occupancy profile and time above 85% full',
  },
};

/** A stop arrival is on time from 1 min early to 5 min late (a common North American standard). */
export const ON_TIME = { maxEarlyS: 60, maxLateS: 300 } as const;

/** Headways under a quarter of the bucket's median headway at that stop count as bunched pairs. */
export const BUNCHED_FRACTION = 0.25;

/** The parking threshold planners ask about (SFpark's target band tops out at 80-85%). */
export const PARKING_FULL_RATIO = 0.85;

/**
 * MBTA prediction accuracy bins: by horizon (minutes from issue to predicted arrival), a prediction
 * is accurate when actual − predicted arrival lies within [−early, +late] seconds.
 */
export const MBTA_BINS = [
  { label: '0_3', fromMin: 0, toMin: 3, earlyS: 60, lateS: 60 },
  { label: '3_6', fromMin: 3, toMin: 6, earlyS: 90, lateS: 120 },
  { label: '6_12', fromMin: 6, toMin: 12, earlyS: 150, lateS: 210 },
  { label: '12_30', fromMin: 12, toMin: 30, earlyS: 240, lateS: 360 },
] as const;

/** The MBTA bin of a horizon, or undefined beyond 30 min. */
export function mbtaBin(horizonMin: number): (typeof MBTA_BINS)[number] | undefined {
  return MBTA_BINS.find((bin) => horizonMin >= bin.fromMin && horizonMin < bin.toMin);
}

/** MBTA rule; undefined when the horizon is outside the bins (not scored). */
export function mbtaAccurate(horizonMin: number, errorS: number): boolean | undefined {
  const bin = mbtaBin(horizonMin);
  return bin ? errorS >= -bin.earlyS && errorS <= bin.lateS : undefined;
}

/** Cal-ITP rule: −60·ln(t+1.3) < error < 60·ln(t+1.5), t the horizon in minutes. */
export function calItpAccurate(horizonMin: number, errorS: number): boolean {
  return -60 * Math.log(horizonMin + 1.3) < errorS && errorS < 60 * Math.log(horizonMin + 1.5);
}

/** The MBTA rule as SQL over columns holding the horizon (minutes) and error (seconds). */
export function mbtaAccurateSql(horizon: string, error: string): string {
  const branches = MBTA_BINS.map(
    (bin) =>
      `WHEN ${horizon} >= ${bin.fromMin} AND ${horizon} < ${bin.toMin} THEN ${error} BETWEEN ${-bin.earlyS} AND ${bin.lateS}`,
  );
  return `CASE ${branches.join(' ')} END`;
}

export function calItpAccurateSql(horizon: string, error: string): string {
  return `(${error} > -60 * ln(${horizon} + 1.3) AND ${error} < 60 * ln(${horizon} + 1.5))`;
}

/** A KPI window: [from, to) split into buckets of bucketMs, optionally only some entities. */
export interface KpiQuery {
  kpi: KpiName;
  from: number;
  to: number;
  bucketMs: number;
  entityIds: readonly string[];
}

export const DEFAULT_BUCKET_MS = 3_600_000;

/** Checks a window; the error names what is wrong (for CLI and gRPC callers). */
export function validateKpiQuery(query: KpiQuery): void {
  if (!Number.isFinite(query.from) || !Number.isFinite(query.to))
    throw new RangeError('from and to must be valid times');
  if (query.to <= query.from) throw new RangeError('to must be after from');
  if (!(query.bucketMs >= 60_000)) throw new RangeError('bucket must be at least one minute');
  if ((query.to - query.from) / query.bucketMs > 100_000)
    throw new RangeError('window holds too many buckets (max 100000)');
}

export interface KpiRow {
  bucketStart: number;
  entityId: string;
  values: number[];
}

/** CSV of KPI rows: bucket_start (ISO 8601), entity column named by kind, then the measures. */
export function kpiCsv(definition: KpiDefinition, rows: readonly KpiRow[]): string {
  const header = ['bucket_start', `${definition.entityKind}_id`, ...definition.measures];
  const lines = [header.join(',')];
  for (const row of rows) {
    lines.push(
      [
        new Date(row.bucketStart).toISOString(),
        csvField(row.entityId),
        ...row.values.map((value) => (Number.isFinite(value) ? String(Math.round(value * 1000) / 1000) : '')),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
