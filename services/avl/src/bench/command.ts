/**
 * `pnpm mobility bench avl`: ping-to-feed latency on the real infrastructure. The AVL service runs
 * in this process on real Kafka, TimescaleDB (a throw-away database) and Redis; each ping of the
 * trace is published to `avl.raw-ping.v1` and the VehiclePositions feed is polled over HTTP until
 * the vehicle shows that ping's timestamp. Latency = publish start to first feed answer showing it,
 * so it includes the Kafka round trip, validation, matching, prediction and the feed rebuild.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PingSource } from '@mobility/contracts/avl/v1/transit';
import {
  type Command,
  connectInfrastructure,
  createManualClock,
  loadConfig,
  silentLogger,
  startService,
  UsageError,
  withInfrastructure,
} from '@mobility/runtime';
import pg from 'pg';
import { parsePingTrace, type TracePing } from '../eval/pings-csv.js';
import { decodeFeed, toNumber } from '../feeds/gtfs-rt.js';
import { publishRawPings } from '../ingest/http.js';
import { createAvlService } from '../service.js';
import { rawPingOfTrace } from './trace.js';

const DEFAULT_DATA = '../shared/data/avl/wmata-2026-02-16';
const USAGE = `[--gtfs ${DEFAULT_DATA}/gtfs.zip] [--pings ${DEFAULT_DATA}/pings.csv] [--count 300] [--warmup 20] [--kafka-brokers host:port] [--database-url postgres://...] [--redis-url redis://...] [--timeout-ms 5000]`;

interface Flags {
  gtfs: string;
  pings: string;
  count: number;
  warmup: number;
  timeoutMs: number;
  kafkaBrokers?: string;
  databaseUrl?: string;
  redisUrl?: string;
}

function parseFlags(args: readonly string[]): Flags {
  const flags: Flags = {
    gtfs: `${DEFAULT_DATA}/gtfs.zip`,
    pings: `${DEFAULT_DATA}/pings.csv`,
    count: 300,
    warmup: 20,
    timeoutMs: 5000,
  };
  const integer = (name: string, value: string | undefined, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new UsageError(`${name} needs an integer >= ${min}, got ${value ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i];
    const value = args[i + 1];
    const text = () => {
      if (!value) throw new UsageError(`${name} needs a value`);
      return value;
    };
    switch (name) {
      case '--gtfs':
        flags.gtfs = text();
        break;
      case '--pings':
        flags.pings = text();
        break;
      case '--count':
        flags.count = integer(name, value, 1);
        break;
      case '--warmup':
        flags.warmup = integer(name, value, 0);
        break;
      case '--timeout-ms':
        flags.timeoutMs = integer(name, value, 100);
        break;
      case '--kafka-brokers':
        flags.kafkaBrokers = text();
        break;
      case '--database-url':
        flags.databaseUrl = text();
        break;
      case '--redis-url':
        flags.redisUrl = text();
        break;
      default:
        throw new UsageError(`unknown flag ${name}`);
    }
  }
  return flags;
}

/** Pings the pipeline will accept: per vehicle strictly increasing in time, with a position. */
function acceptablePings(trace: TracePing[]): TracePing[] {
  const last = new Map<string, number>();
  return trace
    .filter(
      (p) =>
        p.vehicleId !== '' &&
        Number.isFinite(p.lat) &&
        Number.isFinite(p.lon) &&
        Number.isFinite(p.timestampMs),
    )
    .sort((a, b) => a.timestampMs - b.timestampMs)
    .filter((p) => {
      const previous = last.get(p.vehicleId);
      if (previous !== undefined && p.timestampMs <= previous) return false;
      last.set(p.vehicleId, p.timestampMs);
      return true;
    });
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export const avlBenchCommand: Command = {
  summary: 'AVL ping-to-feed latency on real Kafka, TimescaleDB and Redis (p50/p95/p99)',
  usage: USAGE,
  async run(args, io) {
    const flags = parseFlags(args);
    const kafkaBrokers = flags.kafkaBrokers ?? io.env.KAFKA_BROKERS;
    const databaseUrl = flags.databaseUrl ?? io.env.DATABASE_URL;
    const redisUrl = flags.redisUrl ?? io.env.REDIS_URL;
    if (!kafkaBrokers || !databaseUrl || !redisUrl) {
      throw new UsageError(
        'the bench runs on the real infrastructure: set KAFKA_BROKERS, DATABASE_URL and REDIS_URL (or --kafka-brokers, --database-url, --redis-url); `pnpm infra:up` prints them',
      );
    }
    const trace = acceptablePings(parsePingTrace(await readFile(flags.pings, 'utf8')));
    if (trace.length < flags.warmup + flags.count) {
      throw new UsageError(`${flags.pings} has ${trace.length} usable pings, fewer than --warmup + --count`);
    }
    const runId = randomBytes(3).toString('hex');
    // A throw-away database, so the bench never mixes its rows with a real deployment's.
    const database = `avl_bench_${runId}`;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const benchUrl = new URL(databaseUrl);
    benchUrl.pathname = `/${database}`;
    io.say(`bench database ${database}; vehicles prefixed ${runId}- so hot state and feeds never collide`);

    const first = trace[0] as TracePing;
    const clock = createManualClock(first.timestampMs);
    const logger = silentLogger();
    const infrastructure = await connectInfrastructure(
      loadConfig(withInfrastructure({}), {
        KAFKA_BROKERS: kafkaBrokers,
        DATABASE_URL: benchUrl.toString(),
        REDIS_URL: redisUrl,
        MOBILITY_AUTH_SECRET: io.env.MOBILITY_AUTH_SECRET ?? randomBytes(32).toString('hex'),
      }),
      { clientId: `avl-bench-${runId}`, logger },
    );
    const started = performance.now();
    const service = await startService(
      createAvlService({
        gtfsPath: flags.gtfs,
        ingestGroup: `avl.bench-${runId}`,
        ingestFromBeginning: false,
      }),
      infrastructure,
      { host: '127.0.0.1', grpcPort: 0, httpPort: 0, clock },
      logger,
    );
    io.say(`service up on Kafka, TimescaleDB and Redis in ${Math.round(performance.now() - started)} ms`);
    const feedUrl = `http://127.0.0.1:${service.httpPort}/gtfs-rt/vehicle-positions.pb`;
    let etag = '';
    let shown = new Map<string, number>();
    /** Fetches the feed (304 when unchanged) and returns the timestamp the vehicle shows. */
    const feedTimestamp = async (vehicleId: string): Promise<number | undefined> => {
      const response = await fetch(feedUrl, { headers: etag ? { 'if-none-match': etag } : {} });
      if (response.status === 200) {
        etag = response.headers.get('etag') ?? '';
        const feed = decodeFeed(new Uint8Array(await response.arrayBuffer()));
        shown = new Map(
          feed.entity.map((entity) => [
            entity.vehicle?.vehicle?.id ?? '',
            (toNumber(entity.vehicle?.timestamp) ?? 0) * 1000,
          ]),
        );
      } else await response.arrayBuffer();
      return shown.get(vehicleId);
    };

    const latencies: number[] = [];
    let missed = 0;
    try {
      const measure = async (row: TracePing): Promise<number | undefined> => {
        const ping = rawPingOfTrace({ ...row, vehicleId: `${runId}-${row.vehicleId}` }, PingSource.KAFKA);
        clock.set(row.timestampMs + 500);
        const t0 = performance.now();
        await publishRawPings(infrastructure.bus, [ping]);
        const deadline = t0 + flags.timeoutMs;
        while (performance.now() < deadline) {
          const at = await feedTimestamp(ping.vehicleId);
          if (at !== undefined && at >= Math.floor(row.timestampMs / 1000) * 1000)
            return performance.now() - t0;
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        return undefined;
      };
      // Warm-up: the consumer group settles and code paths get compiled; not measured.
      for (const row of trace.slice(0, flags.warmup)) await measure(row);
      for (const row of trace.slice(flags.warmup, flags.warmup + flags.count)) {
        const latency = await measure(row);
        if (latency === undefined) missed++;
        else latencies.push(latency);
      }
    } finally {
      await service.stop();
      await infrastructure.close();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
    latencies.sort((a, b) => a - b);
    const mean = latencies.reduce((sum, value) => sum + value, 0) / Math.max(1, latencies.length);
    io.say(`${latencies.length} pings measured, ${missed} not in the feed within ${flags.timeoutMs} ms`);
    return {
      mode: 'real',
      gtfs: flags.gtfs,
      pings: latencies.length,
      missed,
      warmup: flags.warmup,
      p50_ms: round(percentile(latencies, 0.5)),
      p95_ms: round(percentile(latencies, 0.95)),
      p99_ms: round(percentile(latencies, 0.99)),
      max_ms: round(latencies.at(-1) ?? Number.NaN),
      mean_ms: round(mean),
    };
  },
};
