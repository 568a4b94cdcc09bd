import { describe, expect, it } from 'vitest';
import type { LiveOccupancy } from '../../src/domain/occupancy.js';
import { changeEventId } from '../../src/mapping.js';

const state = (inputId: string, occupied: number): LiveOccupancy => ({
  facilityId: 'G1',
  capacity: 100,
  occupied,
  observedAt: Date.parse('2026-01-05T10:00:00Z'),
  source: 1,
  byCategory: [],
  flags: [],
  inputId,
  recent: [],
});

describe('changeEventId', () => {
  it('differs for A -> B -> A at the same time, and repeats for the same input', () => {
    const ids = [state('i-1', 5), state('i-2', 6), state('i-3', 5)].map(changeEventId);
    expect(new Set(ids).size).toBe(3);
    expect(changeEventId(state('i-1', 5))).toBe(ids[0]);
  });
});
