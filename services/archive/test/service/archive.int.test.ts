import { randomUUID } from 'node:crypto';
import { RawVehiclePing } from '@mobility/contracts/avl/v1/events';
import { DetectorCount } from '@mobility/contracts/signal/v1/events';
import { topic } from '@mobility/contracts/topics';
import { durationFromMs } from '@mobility/contracts/wkt';
import {
  connectInfrastructure,
  type DeliveredMessage,
  type Infrastructure,
  loadConfig,
  namespacedBus,
  namespacedServiceName,
  type OutgoingMessage,
  type RunningService,
  silentLogger,
  startService,
  withInfrastructure,
} from '@mobility/runtime';
import { realInfra } from '@mobility/runtime/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayNamespace } from '../../src/domain/replay.js';
import { controlRun } from '../../src/grpc/handlers.js';
import { executeReplay, planReplay, REPLAY_HEADERS } from '../../src/replay/engine.js';
import { archiveService } from '../../src/service.js';
import { getRun } from '../../src/store/runs.js';
import { TEST_SECRET, waitFor } from './support.js';

/**
 * The archive on the real Kafka and TimescaleDB, inside a namespace of its own (`itest.<id>`) so the
 * shared broker's live topics and other runs' groups are not involved: archive a stream, replay it at
 * 60x, and compare what comes out with what went in.
 */
describe('archive and replay on Kafka and TimescaleDB', () => {
  const id = randomUUID().slice(0, 8);
  const database = `archive_test_${id}`;
  const namespace = `itest.a${id}`;
  const admin = new pg.Pool({ connectionString: realInfra.databaseUrl, max: 1 });
  let infrastructure: Infrastructure;
  let service: RunningService;
  let db: pg.Pool;

  const T0 = Date.UTC(2026, 10, 23, 7, 0, 0);
  const SPAN_MS = 4 * 60_000;
  const SPEED = 60;
  const vehicles = ['bus-a', 'bus-b', 'bus-c'];
  const intersections = ['int-1', 'int-2'];

  /** Three buses pinging every 5 s and two intersections counting every 10 s, over four minutes. */
  function stream(): Array<{
    topic: 'avl.raw-ping.v1' | 'signal.detector-count.v1';
    message: OutgoingMessage;
  }> {
    const out: Array<{ topic: 'avl.raw-ping.v1' | 'signal.detector-count.v1'; message: OutgoingMessage }> =
      [];
    for (let t = 0; t < SPAN_MS; t += 5_000) {
      for (const [index, vehicleId] of vehicles.entries()) {
        const at = new Date(T0 + t + index * 700);
        out.push({
          topic: 'avl.raw-ping.v1',
          message: {
            key: vehicleId,
            timestamp: at.getTime(),
            value: RawVehiclePing.encode(
              RawVehiclePing.fromPartial({
                meta: { eventId: `${vehicleId}-${t}`, occurredAt: at },
                vehicleId,
                position: { lat: 52.4 + t / 1e7, lon: -1.9 },
                observedAt: at,
              }),
            ).finish(),
          },
        });
      }
      if (t % 10_000 === 0) {
        for (const intersectionId of intersections) {
          const at = new Date(T0 + t + 300);
          out.push({
            topic: 'signal.detector-count.v1',
            message: {
              key: intersectionId,
              timestamp: at.getTime(),
              value: DetectorCount.encode(
                DetectorCount.fromPartial({
                  meta: { eventId: `${intersectionId}-${t}`, occurredAt: at },
                  intersectionId,
                  detectorId: 'd1',
                  intervalStart: at,
                  interval: durationFromMs(10_000),
                  volume: (t / 10_000) % 7,
                }),
              ).finish(),
            },
          });
        }
      }
    }
    return out;
  }

  beforeAll(async () => {
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(realInfra.databaseUrl);
    url.pathname = `/${database}`;
    infrastructure = await connectInfrastructure(
      loadConfig(withInfrastructure({}), {
        KAFKA_BROKERS: realInfra.kafkaBrokers.join(','),
        DATABASE_URL: url.toString(),
        REDIS_URL: realInfra.redisUrl,
        MOBILITY_AUTH_SECRET: TEST_SECRET,
      }),
      { clientId: 'archive-int', logger: silentLogger() },
    );
    service = await startService(
      archiveService,
      infrastructure,
      { host: '127.0.0.1', grpcPort: 0, httpPort: 0, namespace },
      silentLogger(),
    );
    db = (await infrastructure.storageFor(namespacedServiceName(namespace, 'archive'))) as pg.Pool;
  }, 90_000);
  afterAll(async () => {
    await service?.stop();
    await infrastructure?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('archives a stream once into hypertables, and replays it at 60x in order and on time', async () => {
    const bus = namespacedBus(infrastructure.bus, namespace);
    const events = stream();
    for (const name of ['avl.raw-ping.v1', 'signal.detector-count.v1'] as const) {
      await bus.publish(
        name,
        events.filter((event) => event.topic === name).map((event) => event.message),
      );
    }
    await waitFor(
      async () => {
        const { rows } = await db.query('SELECT count(*)::int AS n FROM archived_events');
        return rows[0].n >= events.length;
      },
      'the stream archived',
      60_000,
    );
    const { rows: stored } = await db.query(
      `SELECT h.hypertable_name FROM timescaledb_information.hypertables h
       WHERE h.hypertable_schema = $1 ORDER BY 1`,
      [namespacedServiceName(namespace, 'archive')],
    );
    expect(stored.map((row) => row.hypertable_name)).toEqual(
      expect.arrayContaining(['archived_events_audit', 'archived_events_derived', 'archived_events_raw']),
    );
    const { rows: counts } = await db.query(
      'SELECT topic, count(*)::int AS n FROM archived_events_raw GROUP BY 1 ORDER BY 1',
    );
    expect(counts).toEqual([
      { topic: 'avl.raw-ping.v1', n: events.filter((e) => e.topic === 'avl.raw-ping.v1').length },
      {
        topic: 'signal.detector-count.v1',
        n: events.filter((e) => e.topic === 'signal.detector-count.v1').length,
      },
    ]);

    const run = await planReplay(db, {
      from: T0,
      to: T0 + SPAN_MS,
      topics: ['avl.raw-ping.v1', 'signal.detector-count.v1'],
      speed: SPEED,
      requestedBy: 'int-test',
      reason: 'compare replay with original',
    });
    expect(run.totalEvents).toBe(events.length);
    const replayBus = namespacedBus(bus, replayNamespace(run.runId));
    await replayBus.ensureTopics([
      { name: 'avl.raw-ping.v1', partitions: 6 },
      { name: 'signal.detector-count.v1', partitions: 6 },
    ]);
    const arrivals: Array<{ message: DeliveredMessage; at: number }> = [];
    const subscription = await replayBus.subscribe({
      group: 'itest.replay-watch',
      topics: ['avl.raw-ping.v1', 'signal.detector-count.v1'],
      fromBeginning: true,
      concurrency: 6,
      handler: async (message) => {
        arrivals.push({ message, at: Date.now() });
      },
    });
    const started = Date.now();
    const final = await executeReplay({ db, bus, logger: silentLogger() }, run.runId);
    const tookMs = Date.now() - started;
    await waitFor(async () => arrivals.length >= events.length, 'every replayed event', 30_000);
    await subscription.stop();

    expect(final.state).toBe('completed');
    expect(final.publishedEvents).toBe(events.length);
    // Four minutes of history at 60x: about four seconds.
    expect(tookMs).toBeGreaterThan(SPAN_MS / SPEED - 500);
    expect(tookMs).toBeLessThan(SPAN_MS / SPEED + 3_000);

    // Same events, same order per key: payloads equal apart from the replay stamp.
    const strip = (name: string, value: Uint8Array) => {
      const codec = topic(name as 'avl.raw-ping.v1').codec;
      const decoded = codec.decode(value);
      return { ...decoded, meta: { ...decoded.meta, replayRunId: '' } };
    };
    for (const key of [...vehicles, ...intersections]) {
      const original = events.filter((e) => e.message.key === key);
      const replayed = arrivals.filter((a) => a.message.key === key);
      expect(replayed.map((a) => strip(a.message.topic, a.message.value))).toEqual(
        original.map((e) => strip(e.topic, e.message.value)),
      );
      expect(replayed.map((a) => a.message.timestamp)).toEqual(original.map((e) => e.message.timestamp));
      for (const arrival of replayed) {
        expect(
          topic(arrival.message.topic as 'avl.raw-ping.v1').codec.decode(arrival.message.value).meta
            ?.replayRunId,
        ).toBe(run.runId);
        expect(arrival.message.headers[REPLAY_HEADERS.runId]).toBe(run.runId);
      }
    }

    // Timing: each event arrives at its event-time offset divided by 60, within a tolerance that
    // covers the consumer's fetch wait (250 ms) and a loaded machine.
    const firstArrival = Math.min(...arrivals.map((a) => a.at));
    const firstEvent = Math.min(...arrivals.map((a) => a.message.timestamp));
    const lateness = arrivals.map((a) => a.at - firstArrival - (a.message.timestamp - firstEvent) / SPEED);
    expect(Math.max(...lateness.map(Math.abs))).toBeLessThan(1_500);
    const sorted = [...lateness].sort((a, b) => a - b);
    expect(Math.abs(sorted[Math.floor(sorted.length / 2)] as number)).toBeLessThan(500);
  }, 120_000);

  it('holds a running replay while paused and stops it for good when cancelled', async () => {
    const bus = namespacedBus(infrastructure.bus, namespace);
    const run = await planReplay(db, {
      from: T0,
      to: T0 + SPAN_MS,
      topics: ['avl.raw-ping.v1'],
      speed: 1,
      requestedBy: 'int-test',
      reason: 'controls',
    });
    const execution = executeReplay({ db, bus, logger: silentLogger(), progressIntervalMs: 50 }, run.runId);
    const published = async () => (await getRun(db, run.runId))?.publishedEvents ?? 0;
    // In real time the first seconds hold a handful of pings.
    await waitFor(async () => (await published()) >= 2, 'the first events published');
    await controlRun(db, run.runId, 'pause');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const whilePaused = await published();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await published()).toBe(whilePaused);
    expect((await getRun(db, run.runId))?.state).toBe('paused');

    await controlRun(db, run.runId, 'resume');
    await waitFor(async () => (await published()) > whilePaused, 'publishing again after resume');
    await controlRun(db, run.runId, 'cancel');
    const final = await execution;
    expect(final.state).toBe('cancelled');
    expect(final.publishedEvents).toBeLessThan(run.totalEvents);
    const afterCancel = await published();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await published()).toBe(afterCancel);
  }, 60_000);
});
