import { readFile } from 'node:fs/promises';
import { type GtfsFeed, readGtfsFile } from '@mobility/gtfs';
import { type Command, UsageError } from '@mobility/runtime';
import type { transit_realtime } from 'gtfs-realtime-bindings';
import { decodeFeed, hasField, toNumber } from '../codec.js';
import { RULE_BY_CODE } from '../domain/rules.js';
import { type ValidationReport, validateFeed } from '../domain/validate.js';

const USAGE =
  'validate gtfs-rt --gtfs <zip> --feed <file.pb|url> [--previous <file.pb|url>] [--companion <file.pb|url>] ' +
  '[--now <posix seconds>] [--show <notices per rule, default 5>]';
const FLAGS = ['gtfs', 'feed', 'previous', 'companion', 'now', 'show'] as const;
type Flag = (typeof FLAGS)[number];
const FETCH_TIMEOUT_MS = 30_000;

/** Where a feed came from and the moment it was read (for "now" when none is given). */
interface LoadedFeed {
  message: transit_realtime.FeedMessage;
  fetchedAtS: number | undefined;
}

/**
 * `pnpm mobility validate gtfs-rt`: checks one GTFS-realtime feed (file or URL) against its static
 * GTFS with MobilityData's validator rules. Prints the first notices of each rule, then one JSON
 * line `{"errors":{"E0xx":n},"warnings":{...},"entities":N,"skipped":[...]}`.
 *
 * "Now" (E050, W008): --now if given; for a URL the moment it was fetched; for a file the feed's own
 * header timestamp, because archived feeds are from the past and would otherwise all be "old".
 */
export const validateGtfsRtCommand: Command = {
  summary: "check a GTFS-realtime feed against its GTFS with MobilityData's validator rules",
  usage: USAGE,
  async run(args, io) {
    const flags = parseArgs(args);
    const gtfsPath = flags.get('gtfs');
    const feedSource = flags.get('feed');
    if (!gtfsPath) throw new UsageError('--gtfs <zip> is required');
    if (!feedSource) throw new UsageError('--feed <file.pb|url> is required');
    const show = flags.has('show') ? Number(flags.get('show')) : 5;
    if (!Number.isInteger(show) || show < 0)
      throw new UsageError('--show takes a whole number of notices per rule');
    let nowOverride: number | undefined;
    if (flags.has('now')) {
      nowOverride = Number(flags.get('now'));
      if (!Number.isFinite(nowOverride) || nowOverride <= 0)
        throw new UsageError('--now takes POSIX seconds');
    }

    // Feeds first: a bad URL or file fails in milliseconds, before the GTFS is parsed.
    const feed = await loadFeed(feedSource, 'feed');
    const previous = flags.has('previous')
      ? await loadFeed(flags.get('previous') as string, 'previous')
      : undefined;
    const companion = flags.has('companion')
      ? await loadFeed(flags.get('companion') as string, 'companion')
      : undefined;

    const gtfs = await loadGtfs(gtfsPath);
    if (gtfs.trips.length === 0 || gtfs.stops.length === 0) {
      const first = gtfs.issues[0];
      throw new Error(
        `--gtfs ${gtfsPath} has no ${gtfs.trips.length === 0 ? 'trips' : 'stops'}` +
          (first ? ` (${first.file}:${first.line} ${first.message})` : ''),
      );
    }
    const errorIssues = gtfs.issues.filter((issue) => issue.severity === 'error').length;
    io.say(
      `GTFS ${gtfsPath}: ${gtfs.trips.length} trips, ${gtfs.stops.length} stops, ${gtfs.stopTimes.length} stop_times` +
        (gtfs.issues.length > 0 ? ` (${gtfs.issues.length} read issues, ${errorIssues} rows skipped)` : ''),
    );
    const header = feed.message.header;
    const headerS = hasField(header, 'timestamp') ? toNumber(header.timestamp) : undefined;
    const nowS = nowOverride ?? feed.fetchedAtS ?? headerS;
    io.say(
      `feed ${feedSource}: ${feed.message.entity.length} entities, gtfs_realtime_version ${header.gtfsRealtimeVersion}, ` +
        `header.timestamp ${headerS ?? 'missing'}; "now" = ${nowS ?? 'unknown'} ` +
        `(${nowOverride !== undefined ? '--now' : feed.fetchedAtS !== undefined ? 'fetch time' : 'header timestamp'})`,
    );

    const report = validateFeed({
      feed: feed.message,
      gtfs,
      ...(previous ? { previous: previous.message } : {}),
      ...(companion ? { companion: companion.message } : {}),
      ...(nowS === undefined ? {} : { nowS }),
      maxNoticesPerCode: show,
    });
    for (const line of describe(report, show)) io.say(line);
    return {
      errors: report.errors,
      warnings: report.warnings,
      entities: report.entities,
      skipped: report.skipped,
    };
  },
};

function parseArgs(args: readonly string[]): Map<Flag, string> {
  const values = new Map<Flag, string>();
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${arg}`);
    const equals = arg.indexOf('=');
    const name = equals >= 0 ? arg.slice(2, equals) : arg.slice(2);
    const value = equals >= 0 ? arg.slice(equals + 1) : args[++index];
    if (!(FLAGS as readonly string[]).includes(name)) throw new UsageError(`unknown flag --${name}`);
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
    values.set(name as Flag, value);
  }
  return values;
}

async function loadGtfs(path: string): Promise<GtfsFeed> {
  try {
    return await readGtfsFile(path);
  } catch (error) {
    throw new Error(`cannot read --gtfs ${path}: ${(error as Error).message}`);
  }
}

/** Reads a feed from a file or an http(s) URL and decodes it; every failure names the source. */
async function loadFeed(source: string, flag: string): Promise<LoadedFeed> {
  let bytes: Uint8Array;
  let fetchedAtS: number | undefined;
  if (/^https?:\/\//i.test(source)) {
    let response: Response;
    try {
      response = await fetch(source, {
        headers: { accept: 'application/x-protobuf, application/octet-stream;q=0.9, */*;q=0.1' },
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      throw new Error(
        `cannot fetch --${flag} ${source}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`,
      );
    }
    if (!response.ok)
      throw new Error(`cannot fetch --${flag} ${source}: HTTP ${response.status} ${response.statusText}`);
    bytes = new Uint8Array(await response.arrayBuffer());
    fetchedAtS = Math.floor(Date.now() / 1000);
  } else {
    try {
      bytes = await readFile(source);
    } catch (error) {
      throw new Error(`cannot read --${flag} ${source}: ${(error as Error).message}`);
    }
  }
  try {
    return { message: decodeFeed(bytes), fetchedAtS };
  } catch (error) {
    throw new Error(`--${flag} ${source}: ${(error as Error).message}`);
  }
}

/** The report for people: per rule with findings, its count, title and first notices. */
function describe(report: ValidationReport, show: number): string[] {
  const lines: string[] = [];
  const counts = { ...report.errors, ...report.warnings };
  const codes = Object.keys(counts).sort();
  if (codes.length === 0) lines.push(`no errors or warnings in ${report.entities} entities`);
  for (const code of codes) {
    const rule = RULE_BY_CODE.get(code);
    lines.push(`${code} ${rule?.severity ?? ''} x${counts[code]}: ${rule?.title ?? ''}`);
    const notices = report.notices.filter((notice) => notice.code === code).slice(0, show);
    for (const notice of notices) {
      lines.push(`  ${notice.entityId === undefined ? '' : `[entity ${notice.entityId}] `}${notice.message}`);
    }
    const more = (counts[code] ?? 0) - notices.length;
    if (more > 0) lines.push(`  ... ${more} more`);
  }
  if (report.skipped.length > 0) lines.push(`not checked (input not given): ${report.skipped.join(', ')}`);
  return lines;
}
