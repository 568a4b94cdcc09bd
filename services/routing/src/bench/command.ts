import { type GtfsFeed, readGtfsFile } from '@mobility/gtfs';
import { type Command, type CommandIO, UsageError } from '@mobility/runtime';
import { seededRandom } from '@mobility/runtime/util';
import { buildTimetable, PlanningError, planJourneys, type Timetable } from '../domain/index.js';
import { buildReference, referenceArrivals } from './reference.js';
import { SYNTHETIC_DATE, syntheticFeed } from './synthetic.js';

const USAGE =
  '--gtfs <zip> | --synthetic-stops <n[,n...]>  [--queries 1000] [--seed 1] [--date YYYYMMDD] [--reference-queries N] [--radius 400]';
/** Footpath radius and walking limit used by both planners. */
const DEFAULT_RADIUS_M = 400;
const WALK_SPEED = 1.33;
const MAX_TRANSFERS = 8;

interface Flags {
  gtfs?: string;
  synthetic?: number[];
  queries: number;
  seed: number;
  date?: string;
  referenceQueries?: number;
  radius: number;
}

function parseFlags(args: readonly string[]): Flags {
  const flags: Flags = { queries: 1000, seed: 1, radius: DEFAULT_RADIUS_M };
  const positive = (name: string, value: string | undefined): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new UsageError(`${name} needs a non-negative integer, got ${value ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const name = args[i];
    const value = args[i + 1];
    i++;
    switch (name) {
      case '--gtfs':
        if (!value) throw new UsageError('--gtfs needs a path');
        flags.gtfs = value;
        break;
      case '--synthetic-stops':
        flags.synthetic = (value ?? '').split(',').map((v) => positive('--synthetic-stops', v));
        break;
      case '--queries':
        flags.queries = positive(name, value);
        break;
      case '--seed':
        flags.seed = positive(name, value);
        break;
      case '--reference-queries':
        flags.referenceQueries = positive(name, value);
        break;
      case '--radius':
        flags.radius = positive(name, value);
        break;
      case '--date':
        if (!value || !/^\d{8}$/.test(value)) throw new UsageError('--date needs YYYYMMDD');
        flags.date = value;
        break;
      default:
        throw new UsageError(`unknown flag ${name}`);
    }
  }
  if ((flags.gtfs === undefined) === (flags.synthetic === undefined))
    throw new UsageError('give either --gtfs or --synthetic-stops');
  return flags;
}

/**
 * `pnpm mobility bench routing`: RAPTOR against the plain reference on random stop-to-stop
 * queries, with per-query latency percentiles. Each query asks for the earliest arrival (with
 * its Pareto set over transfers, up to 8) from a random stop to another at a random time of the
 * service day; a mismatch is any difference in earliest arrival.
 */
export const routingBenchCommand: Command = {
  summary: 'RAPTOR journey planning: latency and agreement with a reference planner',
  usage: USAGE,
  async run(args, io) {
    const flags = parseFlags(args);
    if (flags.gtfs !== undefined) {
      const started = performance.now();
      const feed = await readGtfsFile(flags.gtfs, { skipShapes: true });
      const parseMs = performance.now() - started;
      io.say(
        `read ${flags.gtfs}: ${feed.stops.length} stops, ${feed.trips.length} trips, ${feed.stopTimes.length} stop times, ${feed.issues.length} issues (${parseMs.toFixed(0)} ms)`,
      );
      const result = benchFeed(feed, flags, io, flags.referenceQueries ?? flags.queries);
      return {
        feed: flags.gtfs,
        parse_ms: round(parseMs),
        ...result,
        load_ms: round(parseMs + (result.build_ms as number)),
      };
    }
    const sizes = [];
    for (const stops of flags.synthetic ?? []) {
      const started = performance.now();
      const feed = syntheticFeed({ stops, seed: flags.seed });
      const generateMs = performance.now() - started;
      io.say(
        `synthetic ${stops}: ${feed.stops.length} stops, ${feed.routes.length} lines, ${feed.trips.length} trips, ${feed.stopTimes.length} stop times (${generateMs.toFixed(0)} ms)`,
      );
      const result = benchFeed(
        feed,
        { ...flags, date: flags.date ?? SYNTHETIC_DATE },
        io,
        flags.referenceQueries ?? Math.min(flags.queries, 200),
      );
      sizes.push({
        synthetic_stops: stops,
        generate_ms: round(generateMs),
        ...result,
        load_ms: result.build_ms,
      });
    }
    const lastSize = sizes[sizes.length - 1] ?? {};
    return { ...lastSize, sizes };
  },
};

function benchFeed(
  feed: GtfsFeed,
  flags: Flags,
  io: CommandIO,
  referenceQueries: number,
): Record<string, unknown> {
  const timetable = buildTimetable(feed, { footpathRadiusM: flags.radius, walkSpeedMps: WALK_SPEED });
  const date = flags.date ?? timetable.busiestServiceDate();
  io.say(
    `timetable: ${timetable.stats.stops} stops, ${timetable.stats.patterns} patterns, ${timetable.stats.trips} trips, ${timetable.stats.footpaths} footpaths, ${(timetable.stats.bytes / 1e6).toFixed(1)} MB typed arrays, built in ${timetable.stats.buildMs} ms; date ${date}`,
  );
  if (!timetable.servesDate(date)) throw new UsageError(`--date ${date} is outside the feed`);
  const [first, last] = serviceSpan(timetable, date);
  const random = seededRandom(flags.seed);
  const stopIds = timetable.stopIds;
  const queries = Array.from({ length: flags.queries }, () => {
    const from = stopIds[Math.floor(random() * stopIds.length)] as string;
    let to = from;
    while (to === from && stopIds.length > 1) to = stopIds[Math.floor(random() * stopIds.length)] as string;
    return { from, to, departAt: Math.floor(first + random() * (last - first)) };
  });
  // Warm up the JIT and the per-day caches so the percentiles describe steady state.
  for (const q of queries.slice(0, Math.min(50, queries.length))) plan(timetable, date, q, flags.radius);
  const times: number[] = [];
  const answers: number[] = [];
  let itineraries = 0;
  for (const q of queries) {
    const t0 = performance.now();
    const result = plan(timetable, date, q, flags.radius);
    times.push(performance.now() - t0);
    answers.push(result.reduce((best, it) => Math.min(best, it.arrival), Number.POSITIVE_INFINITY));
    itineraries += result.length;
  }
  // Typed arrays live outside the JS heap (arrayBuffers), so both count: feed rows + timetable.
  const memory = process.memoryUsage();

  const checked = Math.min(referenceQueries, queries.length);
  let mismatches = 0;
  const referenceTimes: number[] = [];
  if (checked > 0) {
    const reference = buildReference(feed, date, flags.radius);
    for (let i = 0; i < checked; i++) {
      const q = queries[i] as (typeof queries)[number];
      const t0 = performance.now();
      const arrivals = referenceArrivals(reference, {
        sources: [{ stopId: q.from, seconds: 0, exact: true }],
        targets: [{ stopId: q.to, seconds: 0, exact: true }],
        departAt: q.departAt,
        maxTrips: MAX_TRANSFERS + 1,
        maxWalkM: flags.radius,
        walkSpeedMps: WALK_SPEED,
      });
      referenceTimes.push(performance.now() - t0);
      const expected = arrivals[arrivals.length - 1] as number;
      if (expected !== answers[i]) {
        mismatches++;
        if (mismatches <= 5)
          io.say(
            `mismatch: ${q.from} -> ${q.to} at ${q.departAt}: raptor ${answers[i]}, reference ${expected}`,
          );
      }
    }
  }
  const unreachable = answers.filter((a) => !Number.isFinite(a)).length;
  const sorted = [...times].sort((a, b) => a - b);
  const result = {
    date,
    stops: timetable.stats.stops,
    patterns: timetable.stats.patterns,
    trips: timetable.stats.trips,
    stop_times: timetable.stats.stopTimes,
    footpaths: timetable.stats.footpaths,
    build_ms: timetable.stats.buildMs,
    timetable_mb: round(timetable.stats.bytes / 1e6),
    queries: queries.length,
    p50_ms: round(percentile(sorted, 0.5), 3),
    p95_ms: round(percentile(sorted, 0.95), 3),
    p99_ms: round(percentile(sorted, 0.99), 3),
    max_ms: round(sorted[sorted.length - 1] ?? 0, 3),
    mean_ms: round(times.reduce((s, t) => s + t, 0) / Math.max(1, times.length), 3),
    checked,
    mismatches,
    unreachable,
    itineraries_per_query: round(itineraries / Math.max(1, queries.length), 2),
    reference_p50_ms: round(
      percentile(
        [...referenceTimes].sort((a, b) => a - b),
        0.5,
      ),
      3,
    ),
    heap_mb: round((memory.heapUsed + memory.arrayBuffers) / 1e6),
    array_buffers_mb: round(memory.arrayBuffers / 1e6),
    rss_mb: round(memory.rss / 1e6),
  };
  io.say(
    `p50 ${result.p50_ms} ms, p95 ${result.p95_ms} ms, p99 ${result.p99_ms} ms; ${mismatches} mismatches in ${checked} checked; ${unreachable} unreachable`,
  );
  return result;
}

function plan(
  timetable: Timetable,
  serviceDate: string,
  q: { from: string; to: string; departAt: number },
  radius: number,
) {
  try {
    return planJourneys(timetable, {
      from: { kind: 'stop', stopId: q.from },
      to: { kind: 'stop', stopId: q.to },
      serviceDate,
      departAt: q.departAt,
      maxTransfers: MAX_TRANSFERS,
      maxWalkM: radius,
    });
  } catch (error) {
    if (error instanceof PlanningError) return [];
    throw error;
  }
}

/** First and last departure of the day's trips, so query times fall within service. */
function serviceSpan(timetable: Timetable, date: string): [number, number] {
  const active = timetable.activeTrips(date);
  const net = timetable.forward;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (let p = 0; p < timetable.patternCount; p++) {
    const len = (net.patternStopOffset[p + 1] as number) - (net.patternStopOffset[p] as number);
    for (
      let slot = net.patternTripOffset[p] as number;
      slot < (net.patternTripOffset[p + 1] as number);
      slot++
    ) {
      if (!active[slot]) continue;
      const dep = net.dep[
        (net.patternTimeOffset[p] as number) + (slot - (net.patternTripOffset[p] as number)) * len
      ] as number;
      first = Math.min(first, dep);
      last = Math.max(last, dep);
    }
  }
  return Number.isFinite(first) ? [first, last] : [0, 86_400];
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
