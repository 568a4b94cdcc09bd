import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AssessedReading, assessReading, type RawReading } from '../../src/domain/quality.js';

const MIN = 60_000;
const base: RawReading = { facilityId: 'A', capacity: 100, occupied: 40, observedAt: 1_000 * MIN };

describe('assessReading', () => {
  it('accepts a clean reading without flags', () => {
    const result = assessReading(base);
    expect(result).toMatchObject({ occupied: 40, capacity: 100, accepted: true, flags: [] });
  });

  it('clamps above capacity and negatives, keeping them accepted', () => {
    expect(assessReading({ ...base, occupied: 130 })).toMatchObject({
      occupied: 100,
      accepted: true,
      flags: ['above-capacity'],
    });
    expect(assessReading({ ...base, occupied: -8 })).toMatchObject({
      occupied: 0,
      accepted: true,
      flags: ['negative'],
    });
  });

  it('prefers the registered capacity and flags a mismatch', () => {
    const result = assessReading({ ...base, capacity: 90, occupied: 95 }, undefined, 120);
    expect(result).toMatchObject({
      capacity: 120,
      occupied: 95,
      accepted: true,
      flags: ['capacity-mismatch'],
    });
  });

  it('rejects non-numeric values, bad capacity and bad time', () => {
    expect(assessReading({ ...base, occupied: Number.NaN })).toMatchObject({
      accepted: false,
      flags: ['non-numeric'],
    });
    expect(assessReading({ ...base, capacity: 0 })).toMatchObject({
      accepted: false,
      flags: ['invalid-capacity'],
    });
    expect(assessReading({ ...base, observedAt: Number.POSITIVE_INFINITY }).accepted).toBe(false);
    expect(assessReading({ ...base, observedAt: Number.POSITIVE_INFINITY }).flags).toContain('invalid-time');
  });

  it('rejects duplicates and out-of-order readings, flags gaps', () => {
    const first = assessReading(base);
    expect(assessReading({ ...base, occupied: 41 }, first)).toMatchObject({
      accepted: false,
      flags: ['duplicate'],
    });
    expect(assessReading({ ...base, observedAt: base.observedAt - MIN }, first)).toMatchObject({
      accepted: false,
      flags: ['out-of-order'],
    });
    expect(assessReading({ ...base, observedAt: base.observedAt + 3 * 60 * MIN }, first)).toMatchObject({
      accepted: true,
      flags: ['gap'],
    });
  });

  it('flags a sensor frozen on one value, but not an empty or full car park', () => {
    const run = (occupied: number): AssessedReading | undefined => {
      let previous: AssessedReading | undefined;
      for (let step = 0; step <= 10; step++) {
        previous = assessReading(
          { ...base, occupied, observedAt: base.observedAt + step * 30 * MIN },
          previous,
        );
      }
      return previous;
    };
    expect(run(40)?.flags).toEqual(['stuck']);
    expect(run(40)?.accepted).toBe(true);
    expect(run(0)?.flags).toEqual([]);
    expect(run(100)?.flags).toEqual([]);
  });

  it('does not call a short plateau stuck', () => {
    const first = assessReading(base);
    const second = assessReading({ ...base, observedAt: base.observedAt + 30 * MIN }, first);
    expect(second.flags).toEqual([]);
    expect(second.unchangedSince).toBe(base.observedAt);
  });

  const anyNumber = fc.oneof(
    fc.double(),
    fc.integer({ min: -1_000, max: 5_000 }),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0),
  );
  const anyReading = fc.record({
    facilityId: fc.constantFrom('A', 'B'),
    capacity: anyNumber,
    occupied: anyNumber,
    observedAt: fc.oneof(
      fc.integer({ min: 0, max: 10_000 }).map((m) => m * MIN),
      anyNumber,
    ),
  });

  it('never throws and always keeps an accepted value within [0, capacity] (property)', () => {
    fc.assert(
      fc.property(
        fc.array(anyReading, { maxLength: 30 }),
        fc.option(anyNumber, { nil: undefined }),
        (readings, registered) => {
          let previous: AssessedReading | undefined;
          for (const reading of readings) {
            const result = assessReading(reading, previous, registered);
            expect(result.occupied).toBeGreaterThanOrEqual(0);
            expect(result.occupied).toBeLessThanOrEqual(result.capacity);
            expect(new Set(result.flags).size).toBe(result.flags.length);
            if (result.accepted) {
              expect(result.capacity).toBeGreaterThan(0);
              expect(Number.isInteger(result.occupied)).toBe(true);
              previous = result;
            }
          }
        },
      ),
    );
  });

  it('flags exactly the bound that was crossed (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: -3_000, max: 3_000 }),
        (capacity, occupied) => {
          const result = assessReading({ ...base, capacity, occupied });
          expect(result.accepted).toBe(true);
          expect(result.flags.includes('above-capacity')).toBe(occupied > capacity);
          expect(result.flags.includes('negative')).toBe(occupied < 0);
          expect(result.occupied).toBe(Math.min(capacity, Math.max(0, occupied)));
        },
      ),
    );
  });

  it('accepts any strictly increasing, in-range series without rejecting (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 0, max: 100 })), {
          minLength: 1,
          maxLength: 40,
        }),
        (steps) => {
          let previous: AssessedReading | undefined;
          let at = base.observedAt;
          for (const [minutes, occupied] of steps) {
            at += minutes * MIN;
            const result = assessReading({ ...base, occupied, observedAt: at }, previous);
            expect(result.accepted).toBe(true);
            expect(result.flags.filter((flag) => flag !== 'stuck')).toEqual([]);
            previous = result;
          }
        },
      ),
    );
  });
});
