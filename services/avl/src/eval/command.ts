import { readFile } from 'node:fs/promises';
import { GtfsReadError, readGtfsFile } from '@mobility/gtfs';
import { type Command, type CommandIO, UsageError } from '@mobility/runtime';
import { buildTransitNetwork, type TransitNetwork } from '../domain/network.js';
import { parsePingTrace, TraceFormatError, type TracePing } from './pings-csv.js';
import { replayTrace } from './replay.js';
import type { AccuracyTally } from './score.js';

const USAGE = 'eval avl --gtfs <zip> --pings <csv> [--strip-trip-ids]';

/**
 * `pnpm mobility eval avl`: replays a ping trace through ping validation and the real tracker, then
 * scores trip matching and every published stop prediction (see replayTrace for the rules).
 */
export const avlEvalCommand: Command = {
  summary: 'replay an AVL ping trace: trip matching and arrival prediction accuracy vs schedule + delay',
  usage: USAGE,
  async run(args, io) {
    const options = parseArgs(args);
    const started = performance.now();
    let feed: Awaited<ReturnType<typeof readGtfsFile>>;
    try {
      feed = await readGtfsFile(options.gtfs);
    } catch (error) {
      if (error instanceof GtfsReadError || (error as NodeJS.ErrnoException).code !== undefined) {
        throw new UsageError(`cannot read --gtfs ${options.gtfs}: ${(error as Error).message}`);
      }
      throw error;
    }
    const network = buildTransitNetwork(feed);
    io.say(
      `network: ${network.trips.size} trips, ${network.stops.size} stops, ${feed.issues.length + network.issues.length} feed issues`,
    );
    let text: string;
    try {
      text = await readFile(options.pings, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read --pings ${options.pings}: ${(error as Error).message}`);
    }
    let trace: ReturnType<typeof parsePingTrace>;
    try {
      trace = parsePingTrace(text);
    } catch (error) {
      if (error instanceof TraceFormatError)
        throw new UsageError(`--pings ${options.pings}: ${error.message}`);
      throw error;
    }
    const loadedS = (performance.now() - started) / 1000;
    io.say(`trace: ${trace.length} pings; replaying${options.stripTripIds ? ' without trip ids' : ''}`);
    const figures = evaluateTrace(network, trace, options.stripTripIds, io);
    return {
      gtfs: options.gtfs,
      pings_file: options.pings,
      ...figures,
      load_s: round(loadedS, 2),
      runtime_s: round((performance.now() - started) / 1000, 2),
    };
  },
};

/** Replays a parsed trace on a network and returns the command's figures (JSON-ready). */
export function evaluateTrace(
  network: TransitNetwork,
  trace: readonly TracePing[],
  stripTripIds: boolean,
  io?: Pick<CommandIO, 'say'>,
): Record<string, unknown> {
  const replayStarted = performance.now();
  const result = replayTrace(network, trace, { stripTripIds });
  const replayS = (performance.now() - replayStarted) / 1000;
  const model = result.scored.model.summary();
  const baseline = result.scored.baseline.summary();
  io?.say(
    `predictions scored ${model.count}: model MBTA ${model.mbtaPct.toFixed(1)}% Cal-ITP ${model.calItpPct.toFixed(1)}% ` +
      `median |error| ${model.medianAbsErrS.toFixed(0)} s; baseline ${baseline.mbtaPct.toFixed(1)}% / ` +
      `${baseline.calItpPct.toFixed(1)}% / ${baseline.medianAbsErrS.toFixed(0)} s`,
  );
  const perBin: Record<string, number> = {};
  for (const bin of result.byBin) {
    Object.assign(
      perBin,
      figures(bin.model, `_${bin.name}`),
      figures(bin.baseline, `_${bin.name}`, 'baseline_'),
    );
  }
  for (const [phase, tallies] of Object.entries(result.byPhase)) {
    Object.assign(
      perBin,
      figures(tallies.model, `_${phase}`),
      figures(tallies.baseline, `_${phase}`, 'baseline_'),
    );
  }
  return {
    strip_trip_ids: stripTripIds,
    pings: result.pings,
    rejected: result.rejected,
    rejected_by_reason: result.rejectedByReason,
    matched_pings: result.matchedPings,
    trip_match_pct: round(pct(result.tripMatchCorrect, result.tripMatchEligible), 2),
    trip_match_pings: result.tripMatchEligible,
    predictions_issued: result.predictionsIssued,
    ...figures(result.scored.model, ''),
    ...figures(result.scored.baseline, '', 'baseline_'),
    uncertainty_coverage_pct: round(100 * result.uncertaintyCoverage, 1),
    ...perBin,
    replay_s: round(replayS, 2),
  };
}

function figures(tally: AccuracyTally, suffix: string, prefix = ''): Record<string, number> {
  const summary = tally.summary();
  const out: Record<string, number> = {};
  if (prefix === '') out[`predictions${suffix}`] = summary.count;
  out[`${prefix}mbta_bin_pct${suffix}`] = round(summary.mbtaPct, 2);
  out[`${prefix}calitp_pct${suffix}`] = round(summary.calItpPct, 2);
  out[`${prefix}median_abs_err_s${suffix}`] = round(summary.medianAbsErrS, 1);
  out[`${prefix}mean_err_s${suffix}`] = round(summary.meanErrS, 1);
  return out;
}

const pct = (part: number, whole: number): number => (whole > 0 ? (100 * part) / whole : Number.NaN);
const round = (value: number, digits: number): number =>
  Number.isFinite(value) ? Number(value.toFixed(digits)) : value;

function parseArgs(args: readonly string[]): { gtfs: string; pings: string; stripTripIds: boolean } {
  const values = new Map<string, string>();
  let stripTripIds = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === '--strip-trip-ids') {
      stripTripIds = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${arg}`);
    const equals = arg.indexOf('=');
    const name = equals >= 0 ? arg.slice(2, equals) : arg.slice(2);
    const value = equals >= 0 ? arg.slice(equals + 1) : args[++index];
    if (!['gtfs', 'pings'].includes(name)) throw new UsageError(`unknown flag --${name}`);
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
    values.set(name, value);
  }
  const gtfs = values.get('gtfs');
  const pings = values.get('pings');
  if (!gtfs) throw new UsageError('--gtfs <zip> is required');
  if (!pings) throw new UsageError('--pings <csv> is required');
  return { gtfs, pings, stripTripIds };
}
