import { describe, expect, it } from 'vitest';
import {
  type IngestFacility,
  reduceBayCounts,
  reduceCount,
  reduceSnapshot,
} from '../../src/domain/ingest.js';
import { Source } from '../../src/domain/occupancy.js';

const facility: IngestFacility = { facilityId: 'F', capacity: 100, capacityByCategory: new Map([[2, 5]]) };
const snapshot = (occupied: number, observedAt: number, reportedCapacity = 100) => ({
  inputId: `s${observedAt}`,
  observedAt,
  reportedOccupied: occupied,
  reportedCapacity,
  source: Source.FACILITY_SYSTEM,
});

describe('ingest reducers', () => {
  it('clamps an impossible snapshot, keeps the raw value and flags it', () => {
    const outcome = reduceSnapshot(undefined, facility, snapshot(130, 1000));
    expect(outcome).toMatchObject({
      accepted: true,
      action: 'clamped',
      flags: ['above-capacity'],
      changed: true,
    });
    expect(outcome.next).toMatchObject({ occupied: 100, rawOccupied: 130, lastAbsoluteAt: 1000 });
    expect(outcome.reason).toBe('occupied 130 is above capacity 100: clamped to 100');
  });

  it('rejects late and resent snapshots against the previous state, without changing it', () => {
    const first = reduceSnapshot(undefined, facility, snapshot(40, 2000)).next;
    expect(reduceSnapshot(first, facility, snapshot(50, 1000))).toMatchObject({
      accepted: false,
      flags: ['out-of-order'],
      action: 'rejected',
      next: undefined,
    });
    expect(reduceSnapshot(first, facility, snapshot(50, 2000))).toMatchObject({
      accepted: false,
      flags: ['duplicate'],
    });
    expect(reduceSnapshot(first, facility, snapshot(40, 3000))).toMatchObject({
      accepted: true,
      changed: false,
      flags: [],
    });
  });

  it('uses the registered capacity when the snapshot reports none, flags a different one', () => {
    expect(reduceSnapshot(undefined, facility, snapshot(10, 1, 0)).flags).toEqual([]);
    expect(reduceSnapshot(undefined, facility, snapshot(10, 1, 120))).toMatchObject({
      flags: ['capacity-mismatch'],
      action: 'accepted',
    });
  });

  it('applies gate deltas, clamps drift and ignores counts an absolute snapshot already includes', () => {
    const start = reduceSnapshot(undefined, facility, snapshot(3, 5000)).next;
    const exit = reduceCount(start, facility, { inputId: 'c1', occurredAt: 6000, delta: -5 });
    expect(exit).toMatchObject({
      action: 'clamped',
      flags: ['negative'],
      next: { occupied: 0, rawOccupied: -2, source: Source.GATE_COUNTS },
    });
    expect(reduceCount(start, facility, { inputId: 'c0', occurredAt: 4000, delta: 1 })).toMatchObject({
      accepted: false,
      flags: ['superseded'],
    });
    // A late count after the snapshot still applies (deltas commute); the state keeps the later time.
    const entry = reduceCount(exit.next, facility, { inputId: 'c2', occurredAt: 5500, delta: 2 });
    expect(entry.next).toMatchObject({ occupied: 2, observedAt: 6000 });
  });

  it('counts occupied bays per category and carries event flags', () => {
    const outcome = reduceBayCounts(undefined, facility, {
      inputId: 'b',
      observedAt: 10,
      occupiedByCategory: new Map([
        [1, 7],
        [2, 3],
      ]),
      eventFlags: ['sensor-fault'],
    });
    expect(outcome).toMatchObject({ accepted: true, action: 'accepted', flags: ['sensor-fault'] });
    expect(outcome.next).toMatchObject({
      occupied: 10,
      byCategory: [{ category: 2, capacity: 5, occupied: 3 }],
    });
  });
});
