import { AlertState, MatchStatus, RawVehiclePing } from '@mobility/contracts/avl/v1/events';
import { AlertSeverity } from '@mobility/contracts/avl/v1/transit';
import { describe, expect, it } from 'vitest';
import type { HeadwayAlertResult, MatchedPosition } from '../../src/domain/types.js';
import { createHeadwayMapper, matchStatusOf, positionEvent } from '../../src/mapping.js';

const matched = (overrides: Partial<MatchedPosition> = {}): MatchedPosition => ({
  vehicleId: 'v1',
  timestampMs: 1_771_261_200_000,
  lat: 38.9,
  lon: -77.04,
  tripId: 'T1',
  routeId: 'R1',
  startDate: '20260216',
  shapeDistM: 800,
  offShapeM: 12,
  stopSequence: 2,
  stopId: 'B',
  status: 'IN_TRANSIT_TO',
  scheduleDeviationS: 65.4,
  assignment: 'inferred',
  confidence: 0.9,
  ...overrides,
});

const alert = (state: 'RAISED' | 'CLEARED', atMs: number, observedHeadwayS = 120): HeadwayAlertResult => ({
  routeId: 'R1',
  directionId: 0,
  condition: 'BUNCHING',
  state,
  vehicleId: 'v2',
  leaderVehicleId: 'v1',
  observedHeadwayS,
  scheduledHeadwayS: 600,
  atMs,
  explanation: 'v2 is 2 min behind v1 where 10 min are scheduled',
});

describe('domain results to events', () => {
  it('grades a match: off route beyond 200 m, ambiguous below 0.5 confidence, unmatched without a trip', () => {
    expect(matchStatusOf(matched())).toBe(MatchStatus.MATCHED);
    expect(matchStatusOf(matched({ offShapeM: 250 }))).toBe(MatchStatus.OFF_ROUTE);
    expect(matchStatusOf(matched({ confidence: 0.3 }))).toBe(MatchStatus.AMBIGUOUS);
    expect(matchStatusOf(null)).toBe(MatchStatus.UNMATCHED);
  });

  it('fills start_time from the schedule and gives the same event id to the same fix', () => {
    const ping = RawVehiclePing.fromPartial({
      vehicleId: 'v1',
      observedAt: new Date(1_771_261_200_000),
      position: { lat: 38.9, lon: -77.04 },
    });
    const lookup = { startSecondsOf: (tripId: string) => (tripId === 'T1' ? 8 * 3600 : undefined) };
    const event = positionEvent(ping, matched(), lookup, 1);
    expect(event.trip).toMatchObject({ tripId: 'T1', startTime: '08:00:00', startDate: '20260216' });
    expect(event.scheduleDeviationS).toBe(65);
    expect(event.matchExplanation?.decision).toBe('inferred_trip');
    expect(positionEvent(ping, matched(), lookup, 2).meta?.eventId).toBe(event.meta?.eventId);
  });

  it('keeps one alert id per headway episode, from RAISED to CLEARED, and a new one for the next episode', () => {
    const map = createHeadwayMapper();
    const raised = map(alert('RAISED', 1000, 100), 1000, { tripId: 'T2', leadingTripId: 'T1' });
    const cleared = map(alert('CLEARED', 5000), 5000);
    const next = map(alert('RAISED', 9000, 200), 9000);
    expect(cleared.alertId).toBe(raised.alertId);
    expect(next.alertId).not.toBe(raised.alertId);
    expect(raised).toMatchObject({
      state: AlertState.RAISED,
      severity: AlertSeverity.CRITICAL,
      tripId: 'T2',
      leadingTripId: 'T1',
    });
    expect(cleared.severity).toBe(AlertSeverity.INFO);
    expect(next.severity).toBe(AlertSeverity.WARNING);
  });
});
