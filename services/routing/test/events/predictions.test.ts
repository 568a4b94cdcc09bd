import {
  StopScheduleRelationship,
  TripPrediction,
  TripScheduleRelationship,
} from '@mobility/contracts/avl/v1/events';
import type { Logger } from '@mobility/runtime';
import { describe, expect, it } from 'vitest';
import { buildTimetable, planJourneys, RealtimeOverlay } from '../../src/domain/index.js';
import { OverlayRetention, predictionHandler, toDomainPrediction } from '../../src/events/predictions.js';
import { at, DATE, lineFeed } from '../domain/fixture.js';

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

  it('drops a predicted instant that is not a valid date', () => {
    const prediction = toDomainPrediction(
      TripPrediction.fromPartial({
        trip: { tripId: 'T1', startDate: '20260310' },
        stopTimePredictions: [{ stopId: 'S2', arrival: { delayS: 30, predictedTime: new Date(Number.NaN) } }],
      }),
      ZONE,
    );
    expect(prediction?.stops).toEqual([{ stopSequence: 0, stopId: 'S2', arrivalDelay: 30 }]);
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
  it('keeps yesterday..tomorrow by the clock and drops days the clock has left behind', () => {
    const removed: string[] = [];
    const overlay = { remove: (tripId: string, date?: string) => removed.push(`${tripId}@${date}`) };
    let now = new Date('2026-03-10T12:00:00+10:00').getTime();
    const retention = new OverlayRetention(overlay, ZONE, () => now);
    for (const [trip, date] of [
      ['A', '20260308'],
      ['B', '20260309'],
      ['C', '20260310'],
      ['D', '20260311'],
      ['E', '20260312'],
    ] as const) {
      if (retention.accepts(date)) retention.record(trip, date);
    }
    expect(retention.ignored).toBe(2);
    expect(removed).toEqual([]);
    now += 86_400_000;
    expect(retention.accepts(undefined)).toBe(true);
    expect(removed).toEqual(['B@20260309']);
  });
});

describe('prediction consumer', () => {
  const timetable = buildTimetable(lineFeed());
  const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } as unknown as Logger;
  // 2026-03-02 is the fixture's service day (Europe/Paris).
  const now = () => new Date('2026-03-02T07:30:00+01:00').getTime();
  const event = (startDate: string, delayS: number) =>
    TripPrediction.encode(
      TripPrediction.fromPartial({
        meta: { producedAt: new Date(now()) },
        trip: { tripId: 'FAST1', startDate },
        stopTimePredictions: [{ stopSequence: 1, stopId: 'A', departure: { delayS } }],
      }),
    ).finish();

  it('is not switched off by one far-future event', () => {
    const overlay = new RealtimeOverlay(timetable);
    const handle = predictionHandler(overlay, { timeZone: 'Europe/Paris', logger, now });
    handle(event('29991231', 600));
    expect(overlay.tripCount).toBe(0);
    handle(event(DATE, 120));
    expect(overlay.tripCount).toBe(1);
    const [first] = planJourneys(
      timetable,
      {
        from: { kind: 'stop', stopId: 'A' },
        to: { kind: 'stop', stopId: 'B' },
        serviceDate: DATE,
        departAt: at('07:50'),
      },
      overlay,
    );
    expect(first?.legs[0]).toMatchObject({ mode: 'transit', tripId: 'FAST1', realtime: true });
    expect(first?.departure).toBe(at('08:02'));
  });
});
