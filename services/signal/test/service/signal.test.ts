import { status } from '@grpc/grpc-js';
import {
  AlarmState,
  DetectorAlarm,
  DetectorAlarmKind,
  PhaseChangeCause,
  PhaseChanged,
  PlanChangeCause,
  PlanChanged,
} from '@mobility/contracts/signal/v1/events';
import { ControlMode, SignalColor } from '@mobility/contracts/signal/v1/intersection';
import type { SignalServiceClient } from '@mobility/contracts/signal/v1/service';
import { durationFromSeconds } from '@mobility/contracts/wkt';
import { type Pool, silentLogger } from '@mobility/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  advance,
  alignedStart,
  bootSignal,
  call,
  collect,
  detectorCount,
  EXAMPLE_CONFIG,
  type SignalHarness,
  streamPhaseChanges,
  waitFor,
} from './support.js';

/** Starting the embedded database (PGlite) takes seconds, tens of seconds on a loaded machine. */
const BOOT_TIMEOUT_MS = 180_000;
const ID = 'main-5th';
const TOPIC_COUNTS = 'signal.detector-count.v1';

describe('signal service (embedded: in-process bus, PGlite), adaptive control of the example junction', () => {
  let harness: SignalHarness;
  let db: Pool;
  let operator: SignalServiceClient;
  let publicClient: SignalServiceClient;
  let topics: Awaited<ReturnType<typeof collect>>;
  const start = alignedStart();

  const publishCount = (
    detectorId: string,
    startMs: number,
    volume: number,
    occupancy: number,
    intervalS = 60,
  ) =>
    harness.infrastructure.bus.publish(TOPIC_COUNTS, [
      { key: ID, value: detectorCount(ID, detectorId, startMs, volume, occupancy, intervalS) },
    ]);
  const phaseChanges = () =>
    topics.messages
      .filter((m) => m.topic === 'signal.phase-changed.v1')
      .map((m) => PhaseChanged.decode(m.value));
  const storedCounts = async () =>
    Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM detector_counts')).rows[0]?.n ?? 0);

  beforeAll(async () => {
    harness = await bootSignal(
      { SIGNAL_INTERSECTIONS: EXAMPLE_CONFIG, SIGNAL_STRATEGY: 'adaptive' },
      silentLogger(),
      {
        env: { SIGNAL_INTERSECTIONS: EXAMPLE_CONFIG, SIGNAL_STRATEGY: 'adaptive' },
        startMs: start,
      },
    );
    db = await harness.infrastructure.storageFor('signal');
    operator = await harness.client('operator', 'alice@tcc');
    publicClient = await harness.client('public', 'app:citymap');
    topics = await collect(
      harness.infrastructure,
      ['signal.phase-changed.v1', 'signal.plan-changed.v1', 'signal.detector-alarm.v1'],
      'signal-test.collect',
    );
  }, BOOT_TIMEOUT_MS);
  afterAll(async () => {
    await topics?.stop();
    await harness?.close();
  });

  it('loads the configured intersection and serves it over gRPC', async () => {
    const response = await call(publicClient, 'getIntersection', { intersectionId: ID });
    expect(response.intersection?.name).toBe('Main Street / 5th Avenue');
    expect(response.intersection?.approaches).toHaveLength(4);
    expect(response.intersection?.phases).toHaveLength(6);
    expect(response.intersection?.stages.map((s) => s.stageId)).toEqual(['main', 'fifth']);
    expect(response.status).toMatchObject({
      stageId: 'main',
      color: SignalColor.GREEN,
      strategy: 'adaptive',
    });
    expect(response.status?.mode).toBe(ControlMode.ADAPTIVE);

    const list = await call(publicClient, 'listIntersections', {
      corridorId: '',
      mode: ControlMode.UNSPECIFIED,
      within: { southWest: { lat: 51.2, lon: 6.7 }, northEast: { lat: 51.3, lon: 6.8 } },
    });
    expect(list.intersections.map((i) => i.intersection?.intersectionId)).toEqual([ID]);
    const elsewhere = await call(publicClient, 'listIntersections', {
      corridorId: '',
      mode: ControlMode.UNSPECIFIED,
      within: { southWest: { lat: 40, lon: 6.7 }, northEast: { lat: 41, lon: 6.8 } },
    });
    expect(elsewhere.intersections).toEqual([]);
    await expect(call(publicClient, 'getIntersection', { intersectionId: 'nope' })).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
    const failed = await new Promise<{ code?: number }>((resolve) => {
      const stream = publicClient.streamPhaseChanges({ intersectionIds: ['nope'] });
      stream.on('error', resolve);
      stream.on('data', () => {});
    });
    expect(failed.code).toBe(status.NOT_FOUND);
  });

  it('turns detector counts into an adaptive stage change with an explanation, streamed and logged', async () => {
    const stream = streamPhaseChanges(publicClient, [ID]);
    await waitFor(() => true, 'stream open');
    // The last minute: heavy traffic on 5th Avenue, nothing on Main Street.
    const last = start - 60_000;
    for (const d of ['fifth-eb-adv', 'fifth-wb-adv']) await publishCount(d, last, 14, 0.3);
    for (const d of ['fifth-eb-stop', 'fifth-wb-stop']) await publishCount(d, last, 13, 0.5);
    for (const d of ['main-nb-adv', 'main-sb-adv', 'main-nb-stop', 'main-sb-stop'])
      await publishCount(d, last, 0, 0);
    await waitFor(async () => (await storedCounts()) === 8, 'counts stored');

    await advance(harness, 60);
    const yellow = await waitFor(
      () => phaseChanges().find((c) => c.color === SignalColor.YELLOW && c.stageId === 'main'),
      'main to turn yellow',
    );
    expect(yellow.cause).toBe(PhaseChangeCause.ADAPTIVE);
    expect(yellow.nextStageId).toBe('fifth');
    expect(yellow.explanation?.strategy).toBe('adaptive');
    expect(yellow.explanation?.summary.length).toBeGreaterThan(10);
    const chosen = yellow.explanation?.alternatives.find((a) => a.chosen);
    expect(chosen?.option).toBe('stage:fifth');
    expect(chosen?.score).toBeGreaterThan(
      yellow.explanation?.alternatives.find((a) => !a.chosen)?.score ?? 0,
    );
    // Main Street had its minimum green (pedestrians crossing 5th: 7 + 9 s) before the change.
    const sinceStart = ((yellow.meta?.occurredAt?.getTime() ?? 0) - start) / 1000;
    expect(sinceStart).toBeGreaterThanOrEqual(16);
    expect(yellow.previousDuration?.seconds).toBeGreaterThanOrEqual(16);

    const green = await waitFor(
      () => phaseChanges().find((c) => c.color === SignalColor.GREEN && c.stageId === 'fifth'),
      'fifth to turn green',
    );
    // Yellow 4 s and all-red 2 s of Main Street before 5th Avenue's green.
    const yellowAt = yellow.meta?.occurredAt?.getTime() ?? 0;
    expect((green.meta?.occurredAt?.getTime() ?? 0) - yellowAt).toBe(6000);
    const clearance = phaseChanges().find((c) => c.color === SignalColor.RED_CLEARANCE);
    expect(clearance?.cause).toBe(PhaseChangeCause.CLEARANCE);
    expect(green.signalGroupIds).toEqual(['sg-fifth-eb', 'sg-fifth-wb', 'ped-cross-main']);
    expect(green.phaseNumbers).toEqual([3, 4, 6]);

    await waitFor(
      () => stream.received.some((r) => r.phaseChanged?.stageId === 'fifth'),
      'the stream to carry it',
    );
    stream.stream.cancel();
    const logged = await db.query<{ event_type: string; parameter: string }>(
      `SELECT event_type, parameter FROM signal_events WHERE intersection_id = $1 AND event_type LIKE 'phase-%' ORDER BY occurred_at`,
      [ID],
    );
    expect(logged.rows.map((r) => r.event_type)).toEqual(
      expect.arrayContaining(['phase-yellow', 'phase-red-clearance', 'phase-green']),
    );
  });

  it('rejects bad counts with a reason and never lets them into control', async () => {
    const before = await storedCounts();
    const at = start;
    await publishCount('no-such-detector', at, 5, 0.1);
    await publishCount('main-nb-adv', at, 5, 1.7);
    await harness.infrastructure.bus.publish(TOPIC_COUNTS, [
      { key: ID, value: detectorCount(ID, 'main-sb-adv', at + 3_600_000, 5, 0.1) },
      { key: ID, value: Uint8Array.from([0xff, 0xff, 0xff]) },
    ]);
    const rows = await waitFor(async () => {
      const result = await db.query<{ reason_code: string }>(
        `SELECT reason_code FROM data_quality_log WHERE action = 'rejected' ORDER BY reason_code`,
      );
      return result.rows.length >= 3 ? result.rows.map((r) => r.reason_code) : undefined;
    }, 'rejections recorded');
    expect(rows).toEqual(['future_timestamp', 'occupancy_out_of_range', 'unknown_detector']);
    expect(await storedCounts()).toBe(before);
    // The undecodable message went to the group's dead-letter topic, with the reason in its headers.
    const dead = await collect(harness.infrastructure, ['dlq.signal.detector-counts.v1'], 'signal-test.dlq');
    const letter = await waitFor(() => dead.messages[0], 'dead letter');
    expect(Object.keys(letter.headers).some((h) => h.startsWith('dlq-'))).toBe(true);
    await dead.stop();
  });

  it('raises an operator alarm for a stuck-on detector', async () => {
    // Eleven minutes of a stop-line loop reporting 100% occupancy and no vehicles.
    await advance(harness, 720, 60);
    const first = start;
    for (let minute = 0; minute < 11; minute++) {
      await publishCount('main-nb-stop', first + minute * 60_000, 0, 1);
    }
    const alarm = await waitFor(
      () =>
        topics.messages
          .filter((m) => m.topic === 'signal.detector-alarm.v1')
          .map((m) => DetectorAlarm.decode(m.value))
          .find((a) => a.detectorId === 'main-nb-stop' && a.kind === DetectorAlarmKind.STUCK_ON),
      'stuck-on alarm',
    );
    expect(alarm.state).toBe(AlarmState.RAISED);
    expect(
      alarm.explanation?.factors.find((f) => f.name === 'continuous_occupied_s')?.value,
    ).toBeGreaterThanOrEqual(600);
    const stored = await db.query<{ kind: string; cleared_at: Date | null }>(
      `SELECT kind, cleared_at FROM detector_alarms WHERE detector_id = 'main-nb-stop'`,
    );
    expect(stored.rows).toEqual([{ kind: 'stuck-on', cleared_at: null }]);
    const state = await call(operator, 'getIntersection', { intersectionId: ID });
    expect(state.status?.alarmedDetectorIds).toContain('main-nb-stop');
    // While the alarm stands, the detector's counts are stored flagged and logged as suspect.
    await publishCount('main-nb-stop', first + 11 * 60_000, 0, 1);
    const flagged = await waitFor(async () => {
      const result = await db.query<{ flags: string[] }>(
        `SELECT flags FROM detector_counts WHERE detector_id = 'main-nb-stop' AND interval_start = $1`,
        [new Date(first + 11 * 60_000)],
      );
      return result.rows[0];
    }, 'flagged count');
    expect(flagged.flags).toEqual(['SENSOR_FAULT']);
    const logged = await db.query(
      `SELECT reason_code FROM data_quality_log WHERE detector_id = 'main-nb-stop' AND action = 'flagged'`,
    );
    expect(logged.rows.length).toBeGreaterThan(0);
  });

  it('applies an operator override only with the operator role and a reason, audited, through the safety guard', async () => {
    const request = {
      intersectionId: ID,
      action: { action: { $case: 'holdPhases' as const, value: { stageId: 'main', phaseNumbers: [] } } },
      duration: durationFromSeconds(600),
      change: {
        reason: 'police directing traffic after a collision',
        ticketRef: 'INC-4711',
        idempotencyKey: '',
      },
    };
    await expect(call(publicClient, 'setOverride', request)).rejects.toMatchObject({
      code: status.PERMISSION_DENIED,
    });
    await expect(
      call(operator, 'setOverride', {
        ...request,
        change: { reason: ' ', ticketRef: '', idempotencyKey: '' },
      }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(
      call(operator, 'setOverride', {
        ...request,
        action: { action: { $case: 'holdPhases' as const, value: { stageId: '', phaseNumbers: [1, 3] } } },
      }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });

    const response = await call(operator, 'setOverride', request);
    const overrideId = response.override?.overrideId ?? '';
    expect(overrideId).not.toBe('');
    expect(response.override?.audit?.actorId).toBe('alice@tcc');
    expect(response.override?.expiresAt?.getTime()).toBe(harness.clock.now() + 600_000);

    const planSet = await waitFor(
      () =>
        topics.messages
          .filter((m) => m.topic === 'signal.plan-changed.v1')
          .map((m) => PlanChanged.decode(m.value))
          .find((p) => p.cause === PlanChangeCause.OVERRIDE_SET),
      'override plan change',
    );
    expect(planSet.mode).toBe(ControlMode.MANUAL);
    expect(planSet.audit?.reason).toBe('police directing traffic after a collision');

    const changesBefore = phaseChanges().length;
    await advance(harness, 40);
    const held = await waitFor(
      () =>
        phaseChanges()
          .slice(changesBefore)
          .find((c) => c.color === SignalColor.GREEN && c.stageId === 'main'),
      'main green under the override',
    );
    expect(held.cause).toBe(PhaseChangeCause.OVERRIDE);
    expect(held.mode).toBe(ControlMode.MANUAL);
    // 5th Avenue was green when the hold began (the earlier demand put it there) and kept its
    // minimum green (pedestrians crossing Main Street: 7 + 14 s) before the change.
    const fifthYellow = phaseChanges()
      .slice(changesBefore)
      .find((c) => c.color === SignalColor.YELLOW && c.stageId === 'fifth');
    expect(fifthYellow?.cause).toBe(PhaseChangeCause.OVERRIDE);
    expect(fifthYellow?.previousDuration?.seconds).toBeGreaterThanOrEqual(21);

    await expect(
      call(operator, 'clearOverride', {
        intersectionId: ID,
        overrideId: 'not-the-one',
        change: { reason: 'done', ticketRef: '', idempotencyKey: '' },
      }),
    ).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    const cleared = await call(operator, 'clearOverride', {
      intersectionId: ID,
      overrideId,
      change: { reason: 'police left the junction', ticketRef: 'INC-4711', idempotencyKey: '' },
    });
    expect(cleared.status?.mode).toBe(ControlMode.ADAPTIVE);
    expect(cleared.cleared?.actorId).toBe('alice@tcc');

    const audit = await db.query<{ subject: string; action: string; outcome: string; reason: string }>(
      `SELECT subject, action, outcome, reason FROM audit_log WHERE target = $1 ORDER BY at`,
      [ID],
    );
    const rows = audit.rows.map((r) => `${r.action}:${r.outcome}:${r.subject}`);
    expect(rows).toContain('SetOverride:succeeded:alice@tcc');
    expect(rows).toContain('ClearOverride:succeeded:alice@tcc');
    expect(rows).toContain('ClearOverride:failed:alice@tcc');
    expect(audit.rows.find((r) => r.action === 'SetOverride' && r.outcome === 'succeeded')?.reason).toBe(
      'police directing traffic after a collision',
    );
  });

  it('computes performance measures from the logged counts and greens', async () => {
    const planner = await harness.client('planner', 'bob@planning');
    const response = await call(planner, 'getPerformanceMeasures', {
      intersectionId: ID,
      from: new Date(start - 60_000),
      to: new Date(start + 60_000),
      bin: durationFromSeconds(60),
      phaseNumbers: [],
    });
    const fifth = response.approaches.find((a) => a.approachId === 'fifth-eb');
    expect(fifth?.volume).toBe(14);
    expect(fifth?.bins).toHaveLength(2);
    expect(response.approaches.find((a) => a.approachId === 'main-nb')?.volume).toBe(0);
    expect(response.phases.map((p) => p.phaseNumber)).toEqual([1, 2, 3, 4]);
    await expect(
      call(publicClient, 'getPerformanceMeasures', {
        intersectionId: ID,
        from: new Date(start),
        phaseNumbers: [],
      }),
    ).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
  });

  it('writes the 15-minute measures bin into its table when the bin closes', async () => {
    const untilBinEnd = Math.ceil((start + 900_000 - harness.clock.now()) / 1000) + 5;
    await advance(harness, untilBinEnd, 60);
    const rows = await waitFor(async () => {
      const result = await db.query<{ approach_id: string; bin_s: number; cycles: number; green_s: number }>(
        'SELECT approach_id, bin_s, cycles, green_s FROM measure_bins WHERE intersection_id = $1 AND bin_start = $2',
        [ID, new Date(start)],
      );
      return result.rows.length === 4 ? result.rows : undefined;
    }, 'measure bins');
    expect(rows.every((r) => Number(r.bin_s) === 900)).toBe(true);
    // 15 minutes of control: every approach got green at least once, and it added up to real time.
    expect(rows.every((r) => Number(r.cycles) >= 1 && Number(r.green_s) > 0)).toBe(true);
  });
});
