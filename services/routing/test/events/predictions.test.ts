import {
  StopScheduleRelationship,
  TripPrediction,
  TripScheduleRelationship,
} from '@mobility/contracts/avl/v1/events';
import { describe, expect, it } from 'vitest';
import type { RealtimeOverlay } from '../../src/domain/index.js';
import { OverlayRetention, toDomainPrediction } from '../../src/events/predictions.js';

const ZONE = 'Australia/Brisbane';

describe('TripPrediction event -> overlay input', () => {
  it('converts predicted instants to service-day seconds and keeps delays, skips and NO_DATA', () => {
    const producedAt = new Date('2026-03-10T07:58:00+10:00');
    const prediction = toDomainPrediction(
      TripPrediction.fromPartial({
        meta: { producedAt },
        trip: { tripId: 'T1', startDate: '20260310' },
        scheduleRelationship: TripScheduleRelationship.SCHEDULED,
        stopTimePredictions: [
          {
            stopSequence: 1,
            stopId: 'S1',
            scheduleRelationship: StopScheduleRelationship.SCHEDULED,
            departure: { delayS: 120, predictedTime: new Date('2026-03-10T08:02:00+10:00') },
          },
          { stopSequence: 2, stopId: 'S2', scheduleRelationship: StopScheduleRelationship.SKIPPED },
          {
            stopSequence: 3,
            stopId: 'S3',
            scheduleRelationship: StopScheduleRelationship.SCHEDULED,
            arrival: { delayS: 90 },
          },
          { stopSequence: 4, stopId: 'S4', scheduleRelationship: StopScheduleRelationship.NO_DATA },
        ],
      }),
      ZONE,
    );
    expect(prediction).toEqual({
      tripId: 'T1',
      serviceDate: '20260310',
      timestamp: producedAt.getTime(),
      stops: [
        { stopSequence: 1, stopId: 'S1', departureDelay: 120, departureTime: 8 * 3600 + 120 },
        { stopSequence: 2, stopId: 'S2', skipped: true },
        { stopSequence: 3, stopId: 'S3', arrivalDelay: 90 },
        { stopSequence: 4, stopId: 'S4', arrivalDelay: 0, departureDelay: 0 },
      ],
    });
  });

  it('marks cancelled and deleted trips, and ignores events that say nothing usable', () => {
    for (const relationship of [TripScheduleRelationship.CANCELED, TripScheduleRelationship.DELETED]) {
      expect(
        toDomainPrediction(
          TripPrediction.fromPartial({
            trip: { tripId: 'T2', startDate: '20260310' },
            scheduleRelationship: relationship,
          }),
          ZONE,
        ),
      ).toEqual({ tripId: 'T2', serviceDate: '20260310', cancelled: true, stops: [] });
    }
    expect(toDomainPrediction(TripPrediction.fromPartial({ trip: { tripId: '' } }), ZONE)).toBeUndefined();
    // A trip-level delay alone cannot be placed on the overlay's stops (see README, gaps).
    expect(
      toDomainPrediction(TripPrediction.fromPartial({ trip: { tripId: 'T3' }, delayS: 60 }), ZONE),
    ).toBeUndefined();
  });

  it('uses delays only when the run has no valid start date', () => {
    const prediction = toDomainPrediction(
      TripPrediction.fromPartial({
        trip: { tripId: 'T1', startDate: 'today' },
        stopTimePredictions: [
          { stopSequence: 1, arrival: { delayS: 30, predictedTime: new Date('2026-03-10T08:00:30+10:00') } },
        ],
      }),
      ZONE,
    );
    expect(prediction).toEqual({ tripId: 'T1', stops: [{ stopSequence: 1, arrivalDelay: 30 }] });
  });
});

describe('overlay retention', () => {
  it('drops trips of service days older than the day before the newest one seen', () => {
    const removed: string[] = [];
    const overlay = { remove: (tripId: string, date?: string) => removed.push(`${tripId}@${date}`) };
    const retention = new OverlayRetention(overlay as unknown as RealtimeOverlay);
    retention.record('A', '20260308');
    retention.record('B', '20260309');
    retention.record('C', '20260310');
    expect(removed).toEqual(['A@20260308']);
    retention.record('D', '20260301');
    expect(removed).toEqual(['A@20260308', 'D@20260301']);
    retention.record('E', '20260311');
    expect(removed).toEqual(['A@20260308', 'D@20260301', 'B@20260309']);
  });
});
