import { MatchStatus, TripPrediction, VehiclePositionMatched } from '@mobility/contracts/avl/v1/events';
import { VehicleStopStatus } from '@mobility/contracts/avl/v1/transit';
import { describe, expect, it } from 'vitest';
import { deriveRows, emptyDerivedRows, serviceDateOf } from '../../src/domain/derive.js';

const at = Date.UTC(2026, 10, 23, 8, 0, 0);
const position = (overrides: Partial<VehiclePositionMatched>) =>
  VehiclePositionMatched.fromPartial({
    vehicleId: 'bus-1',
    observedAt: new Date(at),
    matchStatus: MatchStatus.MATCHED,
    trip: { tripId: 't1', routeId: 'r1', directionId: 1, startDate: '20261123' },
    currentStopSequence: 5,
    currentStopId: 's5',
    scheduleDeviationS: 42,
    ...overrides,
  });

describe('deriveRows', () => {
  it('records an arrival at the stop a bus is stopped at, and at the previous stop of one heading on', () => {
    const rows = emptyDerivedRows();
    deriveRows(
      'avl.position-matched.v1',
      position({ currentStatus: VehicleStopStatus.STOPPED_AT }),
      at,
      rows,
    );
    deriveRows(
      'avl.position-matched.v1',
      position({ currentStatus: VehicleStopStatus.IN_TRANSIT_TO }),
      at,
      rows,
    );
    expect(
      rows.stopArrivals.map((r) => [r.stopSequence, r.stopId, r.serviceDate, r.scheduleDeviationS]),
    ).toEqual([
      [5, 's5', '2026-11-23', 42],
      [4, '', '2026-11-23', 42],
    ]);
  });

  it('ignores positions that are not confidently matched to a trip', () => {
    const rows = emptyDerivedRows();
    deriveRows('avl.position-matched.v1', position({ matchStatus: MatchStatus.AMBIGUOUS }), at, rows);
    deriveRows('avl.position-matched.v1', position({ trip: undefined }), at, rows);
    expect(rows.stopArrivals).toEqual([]);
  });

  it('keeps stop predictions within the 30 min the accuracy bins cover', () => {
    const rows = emptyDerivedRows();
    const prediction = TripPrediction.fromPartial({
      trip: { tripId: 't1', routeId: 'r1', startDate: '' },
      stopTimePredictions: [
        { stopSequence: 6, arrival: { predictedTime: new Date(at + 120_000) } },
        { stopSequence: 7, arrival: { predictedTime: new Date(at + 31 * 60_000) } },
        { stopSequence: 8, departure: { predictedTime: new Date(at + 300_000) } },
      ],
    });
    deriveRows('avl.trip-prediction.v1', prediction, at, rows);
    expect(rows.predictions).toEqual([
      {
        issuedAt: at,
        serviceDate: '2026-11-23',
        tripId: 't1',
        stopSequence: 6,
        routeId: 'r1',
        predictedArrival: at + 120_000,
      },
    ]);
  });

  it('dates trip runs by GTFS start_date, else by the UTC day', () => {
    expect(serviceDateOf('20261122', at)).toBe('2026-11-22');
    expect(serviceDateOf('', at)).toBe('2026-11-23');
  });
});
