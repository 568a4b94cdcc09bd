import { status } from '@grpc/grpc-js';
import { ReplayAction, ReplayState } from '@mobility/contracts/archive/v1/service';
import { OccupancyChanged } from '@mobility/contracts/parking/v1/events';
import { durationFromMs } from '@mobility/contracts/wkt';
import { type DeliveredMessage, namespacedBus, silentLogger } from '@mobility/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArchiver } from '../../src/archiver.js';
import { REPLAY_HEADERS } from '../../src/replay/engine.js';
import { kpiHistory, T0 } from './fixtures.js';
import { type ArchiveHarness, archivedCount, bootArchive, call, collect, waitFor, watch } from './support.js';

const HOUR = 3_600_000;
const change = (reason: string) => ({ reason, ticketRef: '', idempotencyKey: '' });
const kpi = (name: string, from: number, to: number) => ({
  kpi: name,
  from: new Date(from),
  to: new Date(to),
  bucket: durationFromMs(HOUR),
  entityIds: [],
});
const values = (response: {
  measures: string[];
  rows: Array<{ entityId: string; values: number[]; bucketStart?: Date | undefined }>;
}) =>
  response.rows.map((row) => ({
    at: row.bucketStart?.toISOString(),
    entity: row.entityId,
    ...Object.fromEntries(
      response.measures.map((name, i) => [name, Math.round((row.values[i] ?? Number.NaN) * 1000) / 1000]),
    ),
  }));

describe('archive service (embedded bus and PGlite)', () => {
  let harness: ArchiveHarness;
  const history = kpiHistory('emb');
  const total = history.reduce((sum, batch) => sum + batch.messages.length, 0);

  beforeAll(async () => {
    harness = await bootArchive({}, silentLogger());
    await harness.infrastructure.bus.publishBatch(history);
    await waitFor(async () => (await archivedCount(harness.db)) >= total, 'the history archived');
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
  });

  it('stores each event with its place on the bus, times, type, payload and headers', async () => {
    const { rows } = await harness.db.query(
      `SELECT retention_class, topic, event_key, "partition", "offset", event_time, ingest_time, event_type, payload, headers
       FROM archived_events WHERE topic = 'parking.occupancy-changed.v1' ORDER BY "offset"`,
    );
    expect(rows).toHaveLength(4);
    const [first] = rows;
    expect(first.retention_class).toBe('derived');
    expect(first.event_key).toBe('f1-emb');
    expect(first.event_type).toBe('mobility.parking.v1.OccupancyChanged');
    expect(first.event_time.getTime()).toBe(T0);
    expect(first.ingest_time.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(OccupancyChanged.decode(first.payload).occupancy?.occupied).toBe(40);
    // Trace context is transport: a replay starts its own traces.
    expect(Object.keys(first.headers)).not.toContain('traceparent');
    expect(rows.map((row) => Number(row.offset))).toEqual([0, 1, 2, 3]);
  });

  it('stores a redelivered event once', async () => {
    const archiver = createArchiver({ db: harness.db, logger: silentLogger() });
    const redelivered: DeliveredMessage = {
      topic: 'parking.occupancy-changed.v1',
      partition: 0,
      offset: 0,
      key: 'f1-emb',
      value: history[0]?.messages[0]?.value as Uint8Array,
      headers: {},
      timestamp: T0,
    };
    const { rows: before } = await harness.db.query(
      'SELECT partition FROM archived_events WHERE topic = $1 AND "offset" = 0',
      [redelivered.topic],
    );
    await archiver.archiveBatch([{ ...redelivered, partition: before[0].partition }]);
    expect(archiver.stats).toEqual({ stored: 0, duplicates: 1 });
    expect(await archivedCount(harness.db)).toBe(total);
  });

  it('answers parking occupancy profiles and time above 85% full', async () => {
    const client = await harness.client('planner');
    const response = await call(client, 'getKpi', kpi('parking-occupancy', T0, T0 + 2 * HOUR));
    expect(response.entityKind).toBe('facility');
    // 08:00-08:30 at 40%, 08:30-09:00 at 90%; 09:00-09:30 at 50%, 09:30-10:00 at 95%.
    expect(values(response)).toEqual([
      {
        at: '2026-11-23T08:00:00.000Z',
        entity: 'f1-emb',
        mean_occupancy_pct: 65,
        peak_occupancy_pct: 90,
        time_above_85_s: 1800,
        time_above_85_pct: 50,
        observed_s: 3600,
      },
      {
        at: '2026-11-23T09:00:00.000Z',
        entity: 'f1-emb',
        mean_occupancy_pct: 72.5,
        peak_occupancy_pct: 95,
        time_above_85_s: 1800,
        time_above_85_pct: 50,
        observed_s: 3600,
      },
    ]);
  });

  it('scores predictions against arrivals observed later, in MBTA bins and by the Cal-ITP rule', async () => {
    const client = await harness.client('agency');
    const response = await call(client, 'getKpi', kpi('prediction-accuracy', T0, T0 + HOUR));
    // Stop 5: 5 min ahead, 90 s late (inside 3-6 min -90/+120 and Cal-ITP's 112 s); stop 6: 8 min
    // ahead, 240 s late (outside -150/+210 and Cal-ITP's 135 s).
    expect(values(response)).toEqual([
      {
        at: '2026-11-23T08:00:00.000Z',
        entity: 'r1-emb',
        predictions: 2,
        mbta_bin_pct: 50,
        calitp_pct: 50,
        median_abs_err_s: 165,
        mbta_0_3_pct: Number.NaN,
        mbta_3_6_pct: 100,
        mbta_6_12_pct: 0,
        mbta_12_30_pct: Number.NaN,
      },
    ]);
  });

  it('measures on-time performance and schedule deviation per route', async () => {
    const client = await harness.client('planner');
    const response = await call(client, 'getKpi', kpi('on-time', T0, T0 + HOUR));
    // Arrivals 90 s late, 400 s late and on time.
    expect(values(response)).toEqual([
      {
        at: '2026-11-23T08:00:00.000Z',
        entity: 'r1-emb',
        arrivals: 3,
        on_time_pct: 66.667,
        early_pct: 0,
        late_pct: 33.333,
        mean_deviation_s: 163.333,
        p90_abs_deviation_s: 338,
      },
    ]);
  });

  it('measures headways at each stop and counts bunching', async () => {
    const client = await harness.client('planner');
    const response = await call(client, 'getKpi', kpi('headway', T0, T0 + HOUR));
    // Two trips stopped at stop 5 ten minutes apart; one bunching alert raised.
    expect(values(response)).toEqual([
      {
        at: '2026-11-23T08:00:00.000Z',
        entity: 'r1-emb',
        headways: 1,
        mean_headway_s: 600,
        headway_cv: 0,
        bunched_pairs: 0,
        bunching_alerts: 1,
        gap_alerts: 0,
      },
    ]);
  });

  it('estimates arrivals on green and delay from detector volumes and signal intervals', async () => {
    const client = await harness.client('planner');
    // Green 0-40 s, red 40-60 s, green after; 30 vehicles over the first minute: 20 on green, 10 on
    // red waiting 10 s on average.
    const aog = await call(client, 'getKpi', kpi('arrivals-on-green', T0, T0 + HOUR));
    expect(values(aog)).toEqual([
      {
        at: '2026-11-23T08:00:00.000Z',
        entity: 'i1-emb',
        volume: 30,
        arrivals_on_green: 20,
        arrivals_on_green_pct: 66.667,
        green_share_pct: 66.667,
      },
    ]);
    const delay = await call(client, 'getKpi', kpi('intersection-delay', T0, T0 + HOUR));
    expect(values(delay)).toEqual([
      {
        at: '2026-11-23T08:00:00.000Z',
        entity: 'i1-emb',
        volume: 30,
        mean_delay_s: 3.333,
        total_delay_veh_h: 0.028,
        green_share_pct: 66.667,
      },
    ]);
  });

  it('refuses unknown KPIs and callers without a planner-side role', async () => {
    const planner = await harness.client('planner');
    await expect(call(planner, 'getKpi', kpi('happiness', T0, T0 + HOUR))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
    const publicClient = await harness.client('public');
    await expect(call(publicClient, 'getKpi', kpi('on-time', T0, T0 + HOUR))).rejects.toMatchObject({
      code: status.PERMISSION_DENIED,
    });
    await expect(
      call(publicClient, 'startReplay', {
        from: new Date(T0),
        to: new Date(T0 + HOUR),
        topics: [],
        speed: 0,
        change: change('x'),
      }),
    ).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
  });

  it('replays a window into its own namespace, with progress streamed until it completes', async () => {
    const client = await harness.client('planner', 'pat@planning');
    const { run } = await call(client, 'startReplay', {
      from: new Date(T0),
      to: new Date(T0 + 2 * HOUR),
      topics: ['parking.occupancy-changed.v1'],
      speed: 0,
      change: change('what-if on last Monday'),
    });
    expect(run?.totalEvents).toBe(4);
    expect(run?.namespace).toBe(`replay.${run?.runId}`);
    const progress = await watch(client, run?.runId as string);
    expect(progress.at(-1)?.run?.state).toBe(ReplayState.COMPLETED);
    expect(progress.at(-1)?.run?.publishedEvents).toBe(4);

    const replayed = await collect(
      namespacedBus(harness.infrastructure.bus, run?.namespace as string),
      ['parking.occupancy-changed.v1'],
      'archive-test.replayed',
    );
    await waitFor(async () => replayed.messages.length >= 4, 'the replayed events');
    await replayed.stop();
    const decoded = replayed.messages.map((message) => OccupancyChanged.decode(message.value));
    expect(decoded.map((event) => event.occupancy?.occupied)).toEqual([40, 90, 50, 95]);
    expect(new Set(decoded.map((event) => event.meta?.replayRunId))).toEqual(new Set([run?.runId]));
    expect(replayed.messages.map((message) => message.timestamp)).toEqual(
      [0, 30, 60, 90].map((m) => T0 + m * 60_000),
    );
    expect(replayed.messages[0]?.headers[REPLAY_HEADERS.runId]).toBe(run?.runId);
    // The live topic still holds only the original four.
    const [live] = await harness.infrastructure.bus.describeTopics(['parking.occupancy-changed.v1']);
    expect(live?.partitions.reduce((sum, p) => sum + p.high, 0)).toBe(4);

    const { rows: audit } = await harness.db.query(
      "SELECT action, reason, subject FROM audit_log WHERE action = 'StartReplay'",
    );
    expect(audit).toEqual([
      { action: 'StartReplay', reason: 'what-if on last Monday', subject: 'pat@planning' },
    ]);
  });

  it('pauses, resumes and cancels a run, and lists runs', async () => {
    const client = await harness.client('planner');
    // Real time over two hours of history: still running when we act on it.
    const { run } = await call(client, 'startReplay', {
      from: new Date(T0),
      to: new Date(T0 + 2 * HOUR),
      topics: [],
      speed: 1,
      change: change('slow run'),
    });
    const runId = run?.runId as string;
    const act = (action: ReplayAction) =>
      call(client, 'controlReplay', { runId, action, change: change('testing controls') });
    expect((await act(ReplayAction.PAUSE)).run?.state).toBe(ReplayState.PAUSED);
    await expect(act(ReplayAction.PAUSE)).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    expect((await act(ReplayAction.RESUME)).run?.state).toBe(ReplayState.RUNNING);
    expect((await act(ReplayAction.CANCEL)).run?.state).toBe(ReplayState.CANCELLED);
    await expect(act(ReplayAction.RESUME)).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    await expect(
      call(client, 'controlReplay', { runId, action: ReplayAction.CANCEL, change: change('') }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });

    const { runs } = await call(client, 'listReplays', { limit: 10 });
    expect(runs[0]?.runId).toBe(runId);
    expect(runs[0]?.state).toBe(ReplayState.CANCELLED);
    expect(runs.length).toBeGreaterThanOrEqual(2);
  });
});
