import { ConfigError } from '@mobility/runtime';
import { describe, expect, it } from 'vitest';
import { parseParkAndRideSites } from '../../src/feed/park-and-ride.js';

describe('park-and-ride facilities file', () => {
  it('reads the ListFacilities JSON shape', () => {
    expect(
      parseParkAndRideSites({
        facilities: [
          {
            facilityId: 'F1',
            name: 'Depot',
            location: { lat: -16.9, lon: 145.7 },
            capacity: 120,
            servedStopIds: ['S1'],
          },
          { facilityId: 'F2', location: { lat: 52.48, lon: -1.89 } },
        ],
      }),
    ).toEqual([
      { facilityId: 'F1', name: 'Depot', lat: -16.9, lon: 145.7, capacity: 120, servedStopIds: ['S1'] },
      { facilityId: 'F2', name: 'F2', lat: 52.48, lon: -1.89, capacity: 0, servedStopIds: [] },
    ]);
  });

  it('names every bad entry, and the variable, in one ConfigError', () => {
    const parse = () =>
      parseParkAndRideSites({
        facilities: [
          { facilityId: 'F1', location: { lat: -16.9, lon: 145.7 } },
          { facilityId: 'F1', location: { lat: -16.9, lon: 145.7 } },
          { facilityId: 'F3' },
          { location: { lat: 95, lon: 0 } },
        ],
      });
    expect(parse).toThrow(ConfigError);
    try {
      parse();
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'ROUTING_PARK_AND_RIDE facilities[1] repeats facilityId F1',
        'ROUTING_PARK_AND_RIDE facilities[2] has no valid location {lat, lon}',
        'ROUTING_PARK_AND_RIDE facilities[3] has no facilityId',
        'ROUTING_PARK_AND_RIDE facilities[3] has no valid location {lat, lon}',
      ]);
    }
    expect(() => parseParkAndRideSites([])).toThrow(/must be a JSON object \{"facilities": \[\.\.\.\]\}/);
  });
});
