import {
  PhaseChangeCause,
  PhaseChanged,
  PriorityAction,
  PriorityGranted,
} from '@mobility/contracts/signal/v1/events';
import { SignalColor } from '@mobility/contracts/signal/v1/intersection';
import { durationToSeconds } from '@mobility/contracts/wkt';
import { type Pool, silentLogger } from '@mobility/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destinationPoint } from '../support/geo.js';
import {
  advance,
  alignedStart,
  bootSignal,
  collect,
  detectorCount,
  EXAMPLE_CONFIG,
  matchedBus,
  type SignalHarness,
  waitFor,
} from './support.js';

/** Starting the embedded database (PGlite) takes seconds, tens of seconds on a loaded machine. */
const BOOT_TIMEOUT_MS = 180_000;
const ID = 'main-5th';
const CENTRE = { lat: 51.22052, lon: 6.77931 };

/**
 * The example junction on its fixed-time plan (cycle 90 s from the aligned start): Main Street green
 * until second 53, then yellow 4 s and all-red 2 s, 5th Avenue green from 59 to 90.
 */
describe('transit signal priority (embedded, fixed-time plan)', () => {
  let harness: SignalHarness;
  let db: Pool;
  let topics: Awaited<ReturnType<typeof collect>>;
  const start = alignedStart();
  const at = (second: number) => start + second * 1000;

  const phaseChanges = () =>
    topics.messages
      .filter((m) => m.topic === 'signal.phase-changed.v1')
      .map((m) => PhaseChanged.decode(m.value));
  const grants = () =>
    topics.messages
      .filter((m) => m.topic === 'signal.priority-granted.v1')
      .map((m) => PriorityGranted.decode(m.value));
  const publishBus = (metresSouth: number, second: number, deviationS = 240) =>
    harness.infrastructure.bus.publish('avl.position-matched.v1', [
      {
        key: 'bus-4711',
        value: matchedBus(destinationPoint(CENTRE, 180, metresSouth), at(second), {
          scheduleDeviationS: deviationS,
        }),
      },
    ]);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

  beforeAll(async () => {
    harness = await bootSignal({}, silentLogger(), {
      env: { SIGNAL_INTERSECTIONS: EXAMPLE_CONFIG, SIGNAL_STRATEGY: 'fixed' },
      startMs: start,
    });
    db = await harness.infrastructure.storageFor('signal');
    topics = await collect(
      harness.infrastructure,
      ['signal.phase-changed.v1', 'signal.priority-granted.v1'],
      'signal-test.tsp',
    );
    // Cars waiting on 5th Avenue: the cost side of every grant.
    for (const detector of ['fifth-eb-adv', 'fifth-wb-adv']) {
      await harness.infrastructure.bus.publish('signal.detector-count.v1', [
        { key: ID, value: detectorCount(ID, detector, start - 60_000, 9, 0.3) },
      ]);
    }
    await waitFor(
      async () =>
        Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM detector_counts')).rows[0]?.n) === 2,
      'counts stored',
    );
  }, BOOT_TIMEOUT_MS);
  afterAll(async () => {
    await topics?.stop();
    await harness?.close();
  });

  it('ignores a bus that is on time', async () => {
    await advance(harness, 45);
    // Arriving at second 54, just after Main Street's green is due to end, but only 30 s late.
    await publishBus(90, 45, 30);
    await settle();
    await advance(harness, 15);
    const yellow = await waitFor(
      () => phaseChanges().find((c) => c.color === SignalColor.YELLOW && c.stageId === 'main'),
      'main yellow',
    );
    expect(yellow.meta?.occurredAt?.getTime()).toBe(at(53));
    expect(yellow.cause).toBe(PhaseChangeCause.PLAN);
    expect(grants()).toEqual([]);
  });

  it('extends Main Street green for a late bus arriving just after its planned end', async () => {
    // Cycle 2: Main Street green from 95 until 143. Second 135: 90 m south at 10 m/s, arriving at
    // second 144, one second after green was due to end.
    await advance(harness, 135 - 60);
    await publishBus(90, 135);
    await settle();
    await advance(harness, 20);
    const grant = await waitFor(() => grants()[0], 'a priority grant');
    expect(grant.action).toBe(PriorityAction.GREEN_EXTENSION);
    expect(grant.intersectionId).toBe(ID);
    expect(grant.vehicleId).toBe('bus-4711');
    expect(grant.tripId).toBe('trip-17');
    expect(grant.scheduleDeviationS).toBe(240);
    expect(grant.meta?.occurredAt?.getTime()).toBe(at(143));
    // Arrival at 144 plus the 2 s margin: held 3 s beyond 143.
    expect(durationToSeconds(grant.adjustment)).toBeCloseTo(3, 0);
    // Without it the bus waits out 5th Avenue's part of the cycle: 90 - 48 - 3.
    expect(grant.estimatedTimeSavedS).toBeCloseTo(39, 0);
    expect(grant.estimatedCrossDelayVehS).toBeGreaterThan(0);
    expect(grant.explanation?.strategy).toBe('conditional_tsp');
    expect(grant.explanation?.factors.find((f) => f.name === 'schedule_deviation_s')?.value).toBe(240);

    const yellow = await waitFor(
      () =>
        phaseChanges().find(
          (c) =>
            c.color === SignalColor.YELLOW &&
            c.stageId === 'main' &&
            (c.meta?.occurredAt?.getTime() ?? 0) > at(90),
        ),
      'main yellow',
    );
    expect(yellow.meta?.occurredAt?.getTime()).toBe(at(146));

    const stored = await db.query<{ action: string; adjustment_s: number; estimated_time_saved_s: number }>(
      'SELECT action, adjustment_s, estimated_time_saved_s FROM priority_grants WHERE intersection_id = $1',
      [ID],
    );
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]?.action).toBe('green-extension');
    expect(Number(stored.rows[0]?.adjustment_s)).toBeCloseTo(3, 0);
  });

  it('gives an early green on the next cycle, after the cooldown, through the safety guard', async () => {
    // Cycle 3: 5th Avenue green from 239 (min green 21 s), Main Street planned again from 275.
    await advance(harness, 255 - 155);
    // Second 255: 100 m south, arriving at 265.
    await publishBus(100, 255);
    await settle();
    await advance(harness, 20);
    const early = await waitFor(() => grants()[1], 'a second grant');
    expect(early.action).toBe(PriorityAction.EARLY_GREEN);
    // The 120 s cooldown after the grant at 143 ends at 263.
    expect(early.meta?.occurredAt?.getTime()).toBe(at(263));
    // 5th Avenue planned until 270: cut by 6 s, all of it gained by the bus.
    expect(durationToSeconds(early.adjustment)).toBeCloseTo(6, 0);
    expect(early.estimatedTimeSavedS).toBeGreaterThan(0);
    const cut = await waitFor(
      () =>
        phaseChanges().find(
          (c) =>
            c.color === SignalColor.YELLOW &&
            c.stageId === 'fifth' &&
            c.meta?.occurredAt?.getTime() === at(263),
        ),
      '5th Avenue cut short',
    );
    expect(cut.cause).toBe(PhaseChangeCause.TRANSIT_PRIORITY);
    expect(cut.explanation?.decision).toBe('early_green');
    // 5th Avenue still had more than its 21 s minimum green (pedestrians crossing Main Street).
    expect(cut.previousDuration?.seconds).toBeGreaterThanOrEqual(21);
    const logged = await db.query(
      `SELECT parameter FROM signal_events WHERE intersection_id = $1 AND event_type = 'priority-granted'`,
      [ID],
    );
    expect(logged.rows).toHaveLength(2);
  });
});
